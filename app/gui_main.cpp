// quantlens [MODEL] [--workspace FILE] [--demo]: the workbench. Thin on purpose: it
// parses the command line and hands over to MainWindow.
#include "ui/main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName("Quantlens");
    QApplication::setApplicationName("Quantlens");
    QApplication::setApplicationVersion(QUANTLENS_VERSION);
    QApplication::setWindowIcon(QIcon(":/quantlens/quantlens.svg"));

    QCommandLineParser parser;
    parser.setApplicationDescription("Decide whether a quantized LLM can ship.");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument("model", "A .gguf, .safetensors or .safetensors.index.json file.",
                                 "[MODEL]");
    const QCommandLineOption workspace("workspace", "The workspace file variants are stored in.",
                                       "FILE");
    const QCommandLineOption demo("demo", "Open the built-in demo model (written on first use).");
    parser.addOptions({workspace, demo});
    parser.process(app);

    MainWindow window(MainWindowOptions{parser.value(workspace)});
    window.show();
    const QStringList models = parser.positionalArguments();
    window.openAtStartup(models.value(0), parser.isSet(demo));
    return app.exec();
}
