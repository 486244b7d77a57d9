// MainWindow: where models come from (dialog, drop, command line, recent list, demo)
// and which workspace their variants go to.
#include "ui/engine_bridge.h"
#include "ui/main_window.h"
#include "ui/recent_files.h"

#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QMimeData>
#include <QStandardPaths>
#include <QStatusBar>

namespace {

QString firstLocalFile(const QMimeData* mime) {
    if (!mime || !mime->hasUrls())
        return {};
    for (const QUrl& url : mime->urls())
        if (url.isLocalFile())
            return url.toLocalFile();
    return {};
}

QString appDataDir() {
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
}

} // namespace

QString MainWindow::demoModelPath() {
    return appDataDir() + "/demo/quantlens-demo.gguf";
}

QString MainWindow::sampleModelPath() {
    const QString env = qEnvironmentVariable("QUANTLENS_DATA");
    const QString data = env.isEmpty() ? QStringLiteral(QUANTLENS_DEFAULT_DATA) : env;
    return QDir::cleanPath(data + "/models/stories260K.gguf");
}

QString MainWindow::workspaceFor(const QString& modelPath) const {
    if (!m_options.workspacePath.isEmpty())
        return m_options.workspacePath;
    if (QFileInfo(modelPath).absoluteFilePath() == QFileInfo(demoModelPath()).absoluteFilePath())
        return QFileInfo(demoModelPath()).absolutePath() + "/demo-workspace.sqlite";
    return appDataDir() + "/workspace.sqlite";
}

void MainWindow::openModel(const QString& path) {
    statusBar()->showMessage(tr("Opening %1\u2026").arg(path));
    m_bridge->openModel(path);
}

void MainWindow::openDemo() {
    statusBar()->showMessage(tr("Opening the demo model\u2026"));
    m_bridge->openDemoModel(demoModelPath());
}

void MainWindow::openSample() {
    openModel(sampleModelPath());
}

void MainWindow::openAtStartup(const QString& model, bool demo) {
    if (!model.isEmpty() && !demo)
        return openModel(model);
    const QString recent = demo ? QString() : RecentFiles::mostRecentExisting();
    if (recent.isEmpty())
        return openDemo();
    openModel(recent);
}

void MainWindow::showOpenDialog() {
    const QString start = QFileInfo(RecentFiles::mostRecentExisting()).absolutePath();
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open Model"), start,
        tr("Models (*.gguf *.safetensors *.json);;GGUF (*.gguf);;"
           "safetensors (*.safetensors *.safetensors.index.json);;All files (*)"));
    if (!path.isEmpty())
        openModel(path);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (!firstLocalFile(event->mimeData()).isEmpty())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QString path = firstLocalFile(event->mimeData());
    if (path.isEmpty())
        return;
    event->acceptProposedAction();
    openModel(path);
}
