// quantlens [MODEL] [--workspace FILE] [--demo]: the workbench. Thin on purpose: it
// parses the command line and hands over to MainWindow.
#include "ui/main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <cstring>

namespace {

const QCommandLineOption kWorkspace("workspace", "The workspace file variants are stored in.",
                                    "FILE");
const QCommandLineOption kDemo("demo", "Open the built-in demo model (written on first use).");

void describe(QCommandLineParser& parser) {
    parser.setApplicationDescription("Decide whether a quantized LLM can ship.");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument("model", "A .gguf, .safetensors or .safetensors.index.json file.",
                                 "[MODEL]");
    parser.addOptions({kWorkspace, kDemo});
}

void nameApplication() {
    QCoreApplication::setOrganizationName("Quantlens");
    QCoreApplication::setApplicationName("Quantlens");
    QCoreApplication::setApplicationVersion(QUANTLENS_VERSION);
}

// --help and --version print and exit; they must work without a display.
bool onlyPrints(int argc, char** argv) {
    for (int i = 1; i < argc; ++i)
        for (const char* flag : {"-h", "--help", "-help", "-v", "--version", "-?"})
            if (std::strcmp(argv[i], flag) == 0)
                return true;
    return false;
}

} // namespace

int main(int argc, char** argv) {
    if (onlyPrints(argc, argv)) {
        QCoreApplication app(argc, argv);
        nameApplication();
        QCommandLineParser parser;
        describe(parser);
        parser.process(app); // prints and exits
        return 0;
    }
    QApplication app(argc, argv);
    nameApplication();
    QApplication::setWindowIcon(QIcon(":/quantlens/quantlens.svg"));
    QCommandLineParser parser;
    describe(parser);
    parser.process(app);

    MainWindow window(MainWindowOptions{parser.value(kWorkspace)});
    window.show();
    window.openAtStartup(parser.positionalArguments().value(0), parser.isSet(kDemo));
    return app.exec();
}
