#pragma once
// The one class that sees both Qt and the engine (RenderDoc's ReplayManager habit).
// It owns the engine thread; every engine object (Model, Workspace, BackendSet) is
// created, used and destroyed inside jobs on that thread. Results come back as value
// types, posted to the GUI thread through a QPointer guard. Progress of the active job
// is polled every 30 ms (Tracy's habit) rather than signalled per tensor.
#include "ui/bridge_types.h"
#include "ui/layers_types.h"

#include <QList>
#include <QObject>
#include <QPair>
#include <QString>
#include <QTimer>
#include <cstdint>
#include <functional>
#include <memory>

namespace ql {
class EngineThread;
class JobContext;
struct JobSnapshot;
} // namespace ql

class EngineBridge : public QObject {
    Q_OBJECT
public:
    explicit EngineBridge(QObject* parent = nullptr);
    ~EngineBridge() override; // cancels running work and waits for it

    // The SQLite file variants are stored in; created (with its folder) on first use.
    void setWorkspacePath(const QString& path);
    QString workspacePath() const { return m_workspacePath; }
    QString modelPath() const { return m_modelPath; }
    bool isBusy() const { return m_activeJob != 0; }

    // Probes the compute backends (Vulkan may take a moment) -> backendReady.
    void startBackends();
    // -> modelOpened or openFailed (with the engine's message: file, field, offset).
    void openModel(const QString& path);
    // Writes the small demo model to `path` first when it is missing, then opens it.
    void openDemoModel(const QString& path);
    // Quantizes the opened model ("int8", "int4-g128") -> variantStored, jobFailed or
    // jobCancelled. False when no model is open, a job is running or the name is unknown.
    bool quantize(const QString& formatName);
    // Every format the engine can quantize to: {name, how its scale is chosen}.
    static QList<QPair<QString, QString>> quantFormats();
    void cancel();
    // Every stored variant of the opened model with its per-tensor errors -> variantsLoaded.
    void loadVariantMetrics();
    // Layers view (engine_bridge_layers.cpp): the given variants' per-tensor metrics and
    // stored sensitivity ranking -> layersLoaded; one tensor's histograms and outliers
    // -> tensorAnalysisLoaded. Failures -> jobFailed.
    void loadLayers(const QList<qint64>& variantIds);
    void loadTensorAnalysis(qint64 variantId, const QString& tensor);

signals:
    void backendReady(const QString& summary);
    void modelOpened(const ModelSummary& model);
    void openFailed(const QString& path, const QString& message);
    void jobStarted(const QString& title);
    void jobProgress(qint64 done, qint64 total, const QString& stage);
    void jobEnded();
    void variantStored(qint64 variantId);
    void jobFailed(const QString& message);
    void jobCancelled();
    void jobWarning(const QString& message);
    void variantsLoaded(const VariantList& variants);
    void layersLoaded(const LayersData& layers);
    void tensorAnalysisLoaded(const TensorAnalysisData& analysis);

private:
    struct EngineState;
    using GuiFn = std::function<void(const ql::JobSnapshot&)>;
    using WorkFn = std::function<void(ql::JobContext&)>;

    uint64_t submit(const QString& title, WorkFn work, GuiFn onGui);
    void submitOpen(const QString& title, const QString& path, WorkFn prepare);
    void startActive(uint64_t jobId, const QString& title);
    void endActive();
    void pollProgress();

    std::shared_ptr<EngineState> m_state; // touched only inside jobs
    std::unique_ptr<ql::EngineThread> m_engine;
    QTimer m_poll;
    uint64_t m_activeJob = 0;
    qint64 m_lastDone = -1;
    QString m_lastStage;
    QString m_workspacePath;
    QString m_modelPath;
};
