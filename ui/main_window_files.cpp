// MainWindow: where models come from (dialog, drop, command line, recent list, demo)
// and which workspace their variants go to.
#include "ui/compare_view.h"
#include "ui/engine_bridge.h"
#include "ui/import_scorecard_dialog.h"
#include "ui/main_window.h"
#include "ui/recent_files.h"
#include "ui/settings_dialog.h"
#include "ui/workbench_context.h"

#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMimeData>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>

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
    if (!m_openedWorkspace.isEmpty())
        return m_openedWorkspace;
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

void MainWindow::openWorkspace(const QString& path) {
    m_openedWorkspace = QFileInfo(path).absoluteFilePath();
    m_bridge->setWorkspacePath(m_openedWorkspace);
    if (m_options.workspacePath.isEmpty()) { // a --workspace of one run is not remembered
        QSettings().setValue("workspace/current", m_openedWorkspace);
        RecentWorkspaces::add(m_openedWorkspace);
        rebuildRecentWorkspaces();
    }
    statusBar()->showMessage(tr("Workspace %1").arg(m_openedWorkspace), 5000);
    m_bridge->loadScorecards();
    if (m_context->model().isValid())
        m_bridge->loadVariantMetrics();
}

void MainWindow::showOpenWorkspaceDialog() {
    const QString start = QFileInfo(m_bridge->workspacePath()).absolutePath();
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Open or Create Workspace"), start,
        tr("Quantlens workspaces (*.sqlite *.quantlens);;All files (*)"), nullptr,
        QFileDialog::DontConfirmOverwrite);
    if (!path.isEmpty())
        openWorkspace(path);
}

bool MainWindow::importScorecard(const QString& file, const QString& mapping,
                                 const QString& baseline, double scoreScale) {
    if (m_bridge->workspacePath().isEmpty())
        openWorkspace(appDataDir() + "/workspace.sqlite");
    return m_bridge->importScorecard(file, mapping, baseline, scoreScale);
}

void MainWindow::showImportDialog() {
    ImportScorecardDialog dialog(this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const ImportScorecardRequest r = dialog.request();
    if (!importScorecard(r.file, r.mapping, r.baseline, r.scoreScale))
        showError(tr("Cannot import"), tr("Choose a file to import."));
}

void MainWindow::showSettings() {
    SettingsDialog dialog(m_bridge->computeDevice(), this);
    if (dialog.exec() != QDialog::Accepted || dialog.device() == m_bridge->computeDevice())
        return;
    SettingsDialog::saveDevice(dialog.device());
    m_backendLabel->setText(tr("Switching compute device\u2026"));
    m_bridge->setComputeDevice(dialog.device());
}

void MainWindow::connectCompare() {
    connect(m_bridge, &EngineBridge::scorecardsImported, this, [this](const QList<qint64>& ids) {
        statusBar()->showMessage(tr("Imported %n scorecard(s)", nullptr, int(ids.size())), 5000);
        if (!ids.isEmpty())
            m_context->selectScorecard(ids.first());
        m_tabs->setCurrentWidget(m_compare);
        m_bridge->loadScorecards();
    });
    connect(m_bridge, &EngineBridge::importFailed, this,
            [this](const QString& file, const QString& message) {
                showError(tr("Cannot import %1").arg(QFileInfo(file).fileName()), message);
            });
}
