#pragma once
// The workbench window: menus, toolbar, status bar and the panels. It wires the
// EngineBridge to the WorkbenchContext; the panels only listen to the context.
#include <QMainWindow>
#include <QString>
#include <functional>

class EngineBridge;
class ErrorChartPanel;
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
    void setErrorPresenter(ErrorPresenter presenter) { m_presentError = std::move(presenter); }

    void openModel(const QString& path);
    void openDemo();
    void openSample();
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
    QWidget* buildLeftColumn();
    void buildActions();
    void buildMenus();
    void buildStatusBar();
    void connectBridge();
    void restoreWindowState();
    void updateActions();
    void rebuildRecentMenu();
    void showOpenDialog();
    void quantize(const QString& format);
    void onModelOpened(const ModelSummary& model);
    void showError(const QString& title, const QString& message);
    QString workspaceFor(const QString& modelPath) const;

    MainWindowOptions m_options;
    WorkbenchContext* m_context;
    EngineBridge* m_bridge;
    ErrorChartPanel* m_chart = nullptr;
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
    QAction* m_cancelAction = nullptr;
    ErrorPresenter m_presentError;
};
