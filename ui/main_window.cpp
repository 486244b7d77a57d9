#include "ui/main_window.h"

#include "ui/compare_view.h"
#include "ui/decision_view.h"
#include "ui/engine_bridge.h"
#include "ui/error_chart_panel.h"
#include "ui/job_list_widget.h"
#include "ui/job_status_widget.h"
#include "ui/layers_view.h"
#include "ui/model_summary_panel.h"
#include "ui/recent_files.h"
#include "ui/scorecards_view.h"
#include "ui/settings_dialog.h"
#include "ui/tensor_detail_panel.h"
#include "ui/tensor_table_panel.h"
#include "ui/workbench_context.h"
#include "ui/worst_tensors_panel.h"

#include <QCloseEvent>
#include <QDockWidget>
#include <QFileInfo>
#include <QIcon>
#include <QLabel>
#include <QMessageBox>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>

// The icon lives in quantlens_ui, a static library: without this reference the linker
// drops the resource's initializer and ":/quantlens/..." does not exist.
static void initUiResources() {
    Q_INIT_RESOURCE(quantlens);
}

namespace {

// Pixels of the status bar's compute-device line (the full text is its tooltip).
constexpr int kBackendLabelWidth = 520;

} // namespace

MainWindow::MainWindow(MainWindowOptions options, QWidget* parent)
    : QMainWindow(parent)
    , m_options(std::move(options))
    , m_context(new WorkbenchContext(this))
    , m_bridge(new EngineBridge(this)) {
    initUiResources();
    setWindowTitle(tr("Quantlens"));
    setWindowIcon(QIcon(":/quantlens/quantlens.svg"));
    setAcceptDrops(true);
    m_presentError = [this](const QString& title, const QString& message) {
        QMessageBox::critical(this, title, message);
    };
    buildPanels();
    buildJobDock();
    buildActions();
    buildMenus();
    buildViewMenu();
    buildStatusBar();
    connectBridge();
    connectCompare();
    connectEvaluation();
    restoreWindowState();
    updateActions();
    m_bridge->setComputeDevice(SettingsDialog::savedDevice()); // starts the backends
    const QString workspace = !m_options.workspacePath.isEmpty()
                                  ? m_options.workspacePath
                                  : QSettings().value("workspace/current").toString();
    if (!workspace.isEmpty() &&
        (workspace == m_options.workspacePath || QFileInfo::exists(workspace)))
        openWorkspace(workspace);
}

MainWindow::~MainWindow() = default;

void MainWindow::buildPanels() {
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName("workbenchTabs");
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(buildTensorsPage(), tr("&Tensors"));
    m_tabs->addTab(new LayersView(m_context, m_bridge, this), tr("&Layers"));
    m_compare = new CompareView(m_context, m_bridge, this);
    m_tabs->addTab(m_compare, tr("&Compare"));
    m_scorecards = new ScorecardsView(m_context, m_bridge, this);
    m_tabs->addTab(m_scorecards, tr("&Scorecards"));
    m_tabs->addTab(new DecisionView(m_context, m_bridge, this), tr("&Decision"));
    setCentralWidget(m_tabs);
}

void MainWindow::buildJobDock() {
    m_jobList = new JobListWidget(m_bridge, this);
    m_jobDock = new QDockWidget(tr("Jobs"), this);
    m_jobDock->setObjectName("jobsDock"); // saveState() needs a name
    m_jobDock->setWidget(m_jobList);
    addDockWidget(Qt::BottomDockWidgetArea, m_jobDock);
    m_jobDock->hide();
}

QWidget* MainWindow::buildTensorsPage() {
    m_chart = new ErrorChartPanel(m_context, this);
    m_rightSplitter = new QSplitter(Qt::Vertical, this);
    m_rightSplitter->addWidget(new TensorTablePanel(m_context, this));
    m_rightSplitter->addWidget(m_chart);
    m_rightSplitter->setStretchFactor(1, 1);
    m_rightSplitter->setSizes({330, 520});

    m_mainSplitter = new QSplitter(Qt::Horizontal, this);
    m_mainSplitter->addWidget(buildLeftColumn());
    m_mainSplitter->addWidget(m_rightSplitter);
    m_mainSplitter->setStretchFactor(1, 1);
    m_mainSplitter->setSizes({320, 1080});
    return m_mainSplitter;
}

QWidget* MainWindow::buildLeftColumn() {
    auto* column = new QWidget(this);
    auto* layout = new QVBoxLayout(column);
    layout->addWidget(new ModelSummaryPanel(m_context, column));
    layout->addWidget(new TensorDetailPanel(m_context, column));
    layout->addWidget(new WorstTensorsPanel(m_context, column));
    layout->addStretch();
    // Scrolls when it outgrows the window (many variants, the detail panel's notes)
    // instead of squeezing the model's form until its lines overlap.
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(column);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    return scroll;
}

void MainWindow::buildStatusBar() {
    m_job = new JobStatusWidget(this);
    m_backendLabel = new QLabel(tr("Starting compute backends\u2026"), this);
    m_backendLabel->setObjectName("computeDeviceLabel");
    m_imatrixLabel = new QLabel(this);
    m_imatrixLabel->setObjectName("importanceMatrixLabel");
    m_imatrixLabel->setVisible(false);
    statusBar()->addPermanentWidget(m_job);
    statusBar()->addPermanentWidget(m_imatrixLabel);
    statusBar()->addPermanentWidget(m_backendLabel);
    connect(m_job, &JobStatusWidget::cancelRequested, m_bridge, &EngineBridge::cancel);
    connect(m_job, &JobStatusWidget::showJobsRequested, this, [this] {
        m_jobDock->show();
        m_jobDock->raise();
    });
}

void MainWindow::connectBridge() {
    connect(m_bridge, &EngineBridge::backendReady, this, [this](const QString& summary) {
        // The whole summary (with why a device was left out) in the tooltip; the bar keeps
        // a line that leaves room for the job status.
        const QString text = tr("Compute: %1").arg(summary);
        m_backendLabel->setToolTip(text);
        m_backendLabel->setText(
            m_backendLabel->fontMetrics().elidedText(text, Qt::ElideRight, kBackendLabelWidth));
    });
    connect(m_bridge, &EngineBridge::modelOpened, this, &MainWindow::onModelOpened);
    connect(m_bridge, &EngineBridge::openFailed, this,
            [this](const QString& path, const QString& msg) {
                showError(tr("Cannot open %1").arg(QFileInfo(path).fileName()), msg);
            });
    connect(m_bridge, &EngineBridge::jobStarted, m_job, &JobStatusWidget::jobStarted);
    connect(m_bridge, &EngineBridge::jobProgress, m_job, &JobStatusWidget::jobProgress);
    connect(m_bridge, &EngineBridge::jobStarted, this, &MainWindow::updateActions);
    connect(m_bridge, &EngineBridge::jobEnded, m_job, &JobStatusWidget::jobEnded);
    connect(m_bridge, &EngineBridge::jobEnded, this, &MainWindow::updateActions);
    connect(m_bridge, &EngineBridge::variantStored, this, [this](qint64 id) {
        statusBar()->showMessage(tr("Stored variant #%1").arg(id), 5000);
        m_bridge->loadVariantMetrics();
    });
    connect(m_bridge, &EngineBridge::jobCancelled, this,
            [this] { statusBar()->showMessage(tr("Cancelled; nothing was stored"), 5000); });
    connect(m_bridge, &EngineBridge::jobFailed, this,
            [this](const QString& msg) { showError(tr("Quantization failed"), msg); });
    connect(m_bridge, &EngineBridge::jobWarning, this,
            [this](const QString& msg) { statusBar()->showMessage(msg, 10000); });
    connect(m_bridge, &EngineBridge::variantsLoaded, m_context, &WorkbenchContext::setVariants);
}

void MainWindow::onModelOpened(const ModelSummary& model) {
    const QString workspace = workspaceFor(model.path);
    const bool changed = workspace != m_bridge->workspacePath();
    m_bridge->setWorkspacePath(workspace);
    if (changed)
        m_bridge->loadScorecards();
    m_context->setModel(model);
    setImportanceMatrix({}); // an importance matrix belongs to the model it was made for
    setWindowTitle(tr("%1 \u2014 Quantlens").arg(QFileInfo(model.path).fileName()));
    statusBar()->showMessage(tr("Opened %1").arg(model.path), 5000);
    if (model.path != demoModelPath())
        RecentFiles::add(model.path);
    rebuildRecentMenu();
    updateActions();
    m_bridge->loadVariantMetrics();
}

void MainWindow::showError(const QString& title, const QString& message) {
    statusBar()->showMessage(title, 10000);
    m_presentError(title, message);
}

void MainWindow::restoreWindowState() {
    QSettings settings;
    resize(1400, 900);
    restoreGeometry(settings.value("window/geometry").toByteArray());
    restoreState(settings.value("window/state").toByteArray());
    m_tabs->setCurrentIndex(settings.value("window/tab", 0).toInt());
    m_mainSplitter->restoreState(settings.value("window/mainSplitter").toByteArray());
    m_rightSplitter->restoreState(settings.value("window/rightSplitter").toByteArray());
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/state", saveState());
    settings.setValue("window/mainSplitter", m_mainSplitter->saveState());
    settings.setValue("window/rightSplitter", m_rightSplitter->saveState());
    settings.setValue("window/tab", m_tabs->currentIndex());
    QMainWindow::closeEvent(event);
}
