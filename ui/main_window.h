#pragma once
// The workbench window: menus, toolbar, status bar and the views as tabs (Tensors,
// Compare, ...; Ctrl+1..5). It wires the EngineBridge to the WorkbenchContext; the views
// only listen to the context and the bridge.
#include <QMainWindow>
#include <QString>
#include <functional>

class CompareView;
class EvaluateDialog;
class ScorecardsView;
struct EvalSetImportOptions;
class EngineBridge;
class ErrorChartPanel;
class JobListWidget;
class QDockWidget;
class QTabWidget;
class JobStatusWidget;
class QAction;
class QLabel;
class QMenu;
class QSplitter;
class WorkbenchContext;
struct ModelSummary;

struct MainWindowOptions {
    // Where variants are stored. Empty: the demo model's own workspace beside it, or
    // workspace.sqlite in the application data folder for any other model.
    QString workspacePath;
};

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // Shows an error to the user. The default is a modal QMessageBox; tests replace it
    // so that they can observe the message without blocking on a dialog.
    using ErrorPresenter = std::function<void(const QString& title, const QString& message)>;

    explicit MainWindow(MainWindowOptions options = {}, QWidget* parent = nullptr);
    ~MainWindow() override;

    EngineBridge* bridge() const { return m_bridge; }
    WorkbenchContext* context() const { return m_context; }
    ErrorChartPanel* chartPanel() const { return m_chart; }
    QTabWidget* tabs() const { return m_tabs; }
    CompareView* compareView() const { return m_compare; }
    JobListWidget* jobList() const { return m_jobList; }
    ScorecardsView* scorecardsView() const { return m_scorecards; }
    // The open Evaluate dialog (Ctrl+E), null when it is closed.
    EvaluateDialog* evaluateDialog() const { return m_evaluateDialog; }
    void setErrorPresenter(ErrorPresenter presenter) { m_presentError = std::move(presenter); }

    void openModel(const QString& path);
    // The importance matrix for the next quantizations (Quantize > Use Importance Matrix;
    // "" clears it), shown in the status bar; opening a model clears it.
    void setImportanceMatrix(const QString& path);
    void openDemo();
    void openSample();
    // Uses `path` for scorecards and variants from now on (File > Open Workspace).
    void openWorkspace(const QString& path);
    // Runs an import on the engine thread, as File > Import Scorecard… does.
    bool importScorecard(const QString& file, const QString& mapping, const QString& baseline,
                         double scoreScale = 1.0);
    // Reads an evaluation set on the engine thread, as Evaluate > Import Evaluation Set…
    // does (opening the default workspace first when none is open).
    bool importEvalSet(const QString& file, const EvalSetImportOptions& options);
    // Evaluate > Evaluate…: opens the dialog window-modal; its Evaluate button starts the job.
    void showEvaluateDialog();
    // quantlens [MODEL] [--demo]: the model given, else the demo, else the most recent
    // model, else the demo again (so a first start never shows an empty window).
    void openAtStartup(const QString& model, bool demo);

    static QString demoModelPath();
    static QString sampleModelPath(); // $QUANTLENS_DATA/models/stories260K.gguf

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildPanels();
    QWidget* buildTensorsPage();
    QWidget* buildLeftColumn();
    void buildJobDock();
    void buildViewMenu();
    void buildActions();
    void buildMenus();
    void buildStatusBar();
    void connectBridge();
    void restoreWindowState();
    void updateActions();
    void rebuildRecentMenu();
    void rebuildRecentWorkspaces();
    void showOpenDialog();
    void showOpenWorkspaceDialog();
    void showImportDialog();
    void showSettings();
    void connectCompare();
    void buildEvaluateActions();
    void buildImportanceActions(); // main_window_imatrix.cpp
    void showImportanceLabel();    // main_window_imatrix.cpp
    void showImportanceMatrixDialog();
    void connectEvaluation();
    void showImportEvalSetDialog();
    void startEvaluation();
    void quantize(const QString& format);
    void quantizePreset(const QString& preset);
    void onModelOpened(const ModelSummary& model);
    void showError(const QString& title, const QString& message);
    QString workspaceFor(const QString& modelPath) const;

    MainWindowOptions m_options;
    WorkbenchContext* m_context;
    EngineBridge* m_bridge;
    ErrorChartPanel* m_chart = nullptr;
    QTabWidget* m_tabs = nullptr;
    CompareView* m_compare = nullptr;
    ScorecardsView* m_scorecards = nullptr;
    EvaluateDialog* m_evaluateDialog = nullptr;
    QAction* m_evaluateAction = nullptr;
    QAction* m_importEvalSetAction = nullptr;
    JobListWidget* m_jobList = nullptr;
    QDockWidget* m_jobDock = nullptr;
    QMenu* m_recentWorkspaces = nullptr;
    QString m_openedWorkspace;
    QSplitter* m_mainSplitter = nullptr;
    QSplitter* m_rightSplitter = nullptr;
    JobStatusWidget* m_job = nullptr;
    QLabel* m_backendLabel = nullptr;
    QMenu* m_recentMenu = nullptr;
    QAction* m_openAction = nullptr;
    QAction* m_sampleAction = nullptr;
    QAction* m_demoAction = nullptr;
    QAction* m_int8Action = nullptr;
    QAction* m_int4Action = nullptr;
    QList<QAction*> m_otherFormatActions; // GGUF types and f16, in the Quantize menu
    QList<QAction*> m_presetActions;      // llama-quantize's file types (Q4_K_M, ...)
    QAction* m_cancelAction = nullptr;
    QAction* m_imatrixAction = nullptr;      // Use Importance Matrix...
    QAction* m_clearImatrixAction = nullptr; // Clear Importance Matrix
    QAction* m_weighOnlyAction = nullptr;    // Importance Matrix Weighs Only (checkable)
    QLabel* m_imatrixLabel = nullptr;        // "imatrix: FILE" in the status bar
    ErrorPresenter m_presentError;
};
