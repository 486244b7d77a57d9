// MainWindow: actions, menus and the toolbar.
#include "ui/compare_view.h"
#include "ui/engine_bridge.h"
#include "ui/main_window.h"
#include "ui/recent_files.h"
#include "ui/workbench_context.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QFileInfo>
#include <QKeySequence>
#include <QMenu>
#include <QMenuBar>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>

void MainWindow::buildActions() {
    m_openAction = new QAction(tr("&Open Model\u2026"), this);
    m_openAction->setShortcut(QKeySequence::Open);
    connect(m_openAction, &QAction::triggered, this, &MainWindow::showOpenDialog);

    m_sampleAction = new QAction(tr("Open stories260K sample"), this);
    m_sampleAction->setObjectName("actionOpenSample");
    m_sampleAction->setVisible(QFileInfo::exists(sampleModelPath()));
    connect(m_sampleAction, &QAction::triggered, this, &MainWindow::openSample);

    m_demoAction = new QAction(tr("Open &Demo Model"), this);
    connect(m_demoAction, &QAction::triggered, this, &MainWindow::openDemo);

    m_int8Action = new QAction(tr("Quantize to INT8"), this);
    m_int8Action->setObjectName("actionQuantizeInt8");
    m_int8Action->setToolTip(tr("int8 symmetric, one scale per output row"));
    connect(m_int8Action, &QAction::triggered, this, [this] { quantize("int8"); });

    m_int4Action = new QAction(tr("Quantize to INT4 (g128)"), this);
    m_int4Action->setObjectName("actionQuantizeInt4");
    m_int4Action->setToolTip(tr("int4 symmetric, one scale per 128 weights of a row"));
    connect(m_int4Action, &QAction::triggered, this, [this] { quantize("int4-g128"); });

    for (const auto& [name, convention] : EngineBridge::quantFormats()) {
        if (name == "int8" || name == "int4-g128")
            continue;
        QAction* a = new QAction(tr("Quantize to %1").arg(name.toUpper()), this);
        a->setObjectName("actionQuantize_" + name);
        a->setToolTip(convention);
        a->setStatusTip(convention);
        connect(a, &QAction::triggered, this, [this, name = name] { quantize(name); });
        m_otherFormatActions.append(a);
    }

    for (const auto& [name, base] : EngineBridge::llamaPresets()) {
        QAction* a = new QAction(tr("Quantize as %1").arg(name), this);
        a->setObjectName("actionQuantizePreset_" + name);
        const QString tip = tr("llama-quantize %1: %2 by default, each tensor in the type "
                               "llama-quantize gives it (output.weight in q6_K, ...)")
                                .arg(name, base);
        a->setToolTip(tip);
        a->setStatusTip(tip);
        connect(a, &QAction::triggered, this, [this, name = name] { quantizePreset(name); });
        m_presetActions.append(a);
    }

    m_cancelAction = new QAction(tr("&Cancel Job"), this);
    m_cancelAction->setObjectName("actionCancel");
    m_cancelAction->setShortcut(Qt::Key_Escape);
    connect(m_cancelAction, &QAction::triggered, m_bridge, &EngineBridge::cancel);
    buildEvaluateActions();
    buildImportanceActions();
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_openAction);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    file->addSeparator();
    QAction* openWorkspace =
        file->addAction(tr("Open &Workspace\u2026"), this, &MainWindow::showOpenWorkspaceDialog);
    openWorkspace->setShortcut(QKeySequence(tr("Ctrl+Shift+O")));
    m_recentWorkspaces = file->addMenu(tr("Recent Wor&kspaces"));
    QAction* import =
        file->addAction(tr("&Import Scorecard\u2026"), this, &MainWindow::showImportDialog);
    import->setObjectName("actionImportScorecard");
    import->setShortcut(QKeySequence(tr("Ctrl+I")));
    file->addSeparator();
    file->addAction(m_sampleAction);
    file->addAction(m_demoAction);
    file->addSeparator();
    QAction* settings = file->addAction(tr("&Settings\u2026"), this, &MainWindow::showSettings);
    settings->setObjectName("actionSettings");
    settings->setMenuRole(QAction::PreferencesRole);
    settings->setShortcut(QKeySequence::Preferences);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* quant = menuBar()->addMenu(tr("&Quantize"));
    quant->addAction(m_int8Action);
    quant->addAction(m_int4Action);
    QMenu* other = quant->addMenu(tr("&Other Formats"));
    other->setToolTipsVisible(true);
    other->addActions(m_otherFormatActions);
    QMenu* presets = quant->addMenu(tr("&llama.cpp Presets"));
    presets->setToolTipsVisible(true);
    presets->addActions(m_presetActions);
    quant->addSeparator();
    quant->addAction(m_imatrixAction);
    quant->addAction(m_weighOnlyAction);
    quant->addAction(m_clearImatrixAction);
    quant->addSeparator();
    quant->addAction(m_cancelAction);

    QMenu* evaluate = menuBar()->addMenu(tr("&Evaluate"));
    evaluate->addAction(m_evaluateAction);
    evaluate->addAction(m_importEvalSetAction);

    QToolBar* tools = addToolBar(tr("Main"));
    tools->setObjectName("mainToolBar"); // saveState() needs a name
    tools->setToolButtonStyle(Qt::ToolButtonTextOnly);
    tools->addAction(m_openAction);
    tools->addSeparator();
    tools->addAction(m_int8Action);
    tools->addAction(m_int4Action);
    tools->addSeparator();
    tools->addAction(m_evaluateAction);
    rebuildRecentMenu();
    rebuildRecentWorkspaces();
}

void MainWindow::buildViewMenu() {
    QMenu* view = menuBar()->addMenu(tr("&View"));
    // Ctrl+1..5 follow the tabs in order, whichever views this build has.
    for (int i = 0; i < m_tabs->count() && i < 5; ++i) {
        QAction* a = view->addAction(m_tabs->tabText(i).remove('&'));
        a->setObjectName(QStringLiteral("actionTab%1").arg(i + 1));
        a->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
        connect(a, &QAction::triggered, this, [this, i] { m_tabs->setCurrentIndex(i); });
    }
    view->addSeparator();
    QAction* jobs = m_jobDock->toggleViewAction();
    jobs->setShortcut(QKeySequence(tr("Ctrl+J")));
    view->addAction(jobs);
}

void MainWindow::rebuildRecentWorkspaces() {
    m_recentWorkspaces->clear();
    const QStringList recent = RecentWorkspaces::load();
    for (const QString& path : recent) {
        QAction* a = m_recentWorkspaces->addAction(QFileInfo(path).fileName());
        a->setToolTip(path);
        a->setStatusTip(path);
        connect(a, &QAction::triggered, this, [this, path] { openWorkspace(path); });
    }
    m_recentWorkspaces->addSeparator();
    QAction* clear = m_recentWorkspaces->addAction(tr("Clear List"), this, [this] {
        RecentWorkspaces::clear();
        rebuildRecentWorkspaces();
    });
    clear->setEnabled(!recent.isEmpty());
}

void MainWindow::rebuildRecentMenu() {
    m_recentMenu->clear();
    const QStringList recent = RecentFiles::load();
    for (const QString& path : recent) {
        QAction* a = m_recentMenu->addAction(QFileInfo(path).fileName());
        a->setToolTip(path);
        a->setStatusTip(path);
        connect(a, &QAction::triggered, this, [this, path] { openModel(path); });
    }
    m_recentMenu->addSeparator();
    QAction* clear = m_recentMenu->addAction(tr("Clear List"), this, [this] {
        RecentFiles::clear();
        rebuildRecentMenu();
    });
    clear->setEnabled(!recent.isEmpty());
}

void MainWindow::updateActions() {
    const bool canQuantize = m_context->model().isValid() && !m_bridge->isBusy();
    m_int8Action->setEnabled(canQuantize);
    m_int4Action->setEnabled(canQuantize);
    for (QAction* a : m_otherFormatActions + m_presetActions)
        a->setEnabled(canQuantize);
    m_cancelAction->setEnabled(m_bridge->isBusy());
}

void MainWindow::quantizePreset(const QString& preset) {
    if (!m_bridge->quantizePreset(preset))
        showError(tr("Cannot quantize"), tr("Open a model first, and wait for the running job."));
}

void MainWindow::quantize(const QString& format) {
    if (!m_bridge->quantize(format)) {
        showError(tr("Cannot quantize"), tr("Open a model first, and wait for the running job."));
        return;
    }
    if (!m_bridge->importanceMatrix().isEmpty() && !EngineBridge::takesImportance(format))
        statusBar()->showMessage(
            tr("%1 has no importance-weighted encoder: quantizing without %2")
                .arg(format, QFileInfo(m_bridge->importanceMatrix()).fileName()),
            10000);
}
