#pragma once
// The one class that sees both Qt and the engine (RenderDoc's ReplayManager habit).
// It owns the engine thread; every engine object (Model, Workspace, BackendSet) is
// created, used and destroyed inside jobs on that thread. Results come back as value
// types, posted to the GUI thread through a QPointer guard. Progress of the active job
// is polled every 30 ms (Tracy's habit) rather than signalled per tensor.
#include "ui/bridge_types.h"
#include "ui/compare_types.h"
#include "ui/eval_types.h"
#include "ui/job_list_types.h"
#include "ui/layers_types.h"
#include "ui/scorecards_types.h"

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
struct QuantizeRequest;
class Workspace;
namespace fit {
struct ModelShape;
}
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
    // The same with llama-quantize's file type ("Q4_K_M"): each tensor in the type
    // llama-quantize gives it (quantize --preset).
    bool quantizePreset(const QString& presetName);
    // Every format the engine can quantize to: {name, how its scale is chosen}.
    static QList<QPair<QString, QString>> quantFormats();
    // llama-quantize's file types: {name, its default type}.
    static QList<QPair<QString, QString>> llamaPresets();
    // An importance matrix (llama-imatrix's .dat or .gguf) for the next quantizations of
    // formats that take one (takesImportance): llama-quantize --imatrix. The file is read
    // when a job starts; a bad one fails that job with the file, field and offset. Empty:
    // none. Every variant made while it is set is weighed by it (each tensor's
    // importance-weighted RMSE); formats that take none, or any format while
    // setImportanceWeighsOnly(true), are quantized without it (quantize --weigh-with).
    void setImportanceMatrix(const QString& path) { m_imatrixPath = path; }
    QString importanceMatrix() const { return m_imatrixPath; }
    void setImportanceWeighsOnly(bool weighsOnly) { m_imatrixWeighsOnly = weighsOnly; }
    bool importanceWeighsOnly() const { return m_imatrixWeighsOnly; }
    // Whether a format has an importance-weighted encoder (q4_0 ... q5_1, q2_k ... q6_k,
    // iq4_nl).
    static bool takesImportance(const QString& formatName);
    void cancel();
    // Every stored variant of the opened model with its per-tensor errors -> variantsLoaded.
    void loadVariantMetrics();

    // --- Scorecards and Decision views (engine_bridge_score.cpp) ---
    // Scorecards with their comparisons, last gate runs, policies and decisions
    // -> scoreDataLoaded. Each change below ends with the same signal, or scoreActionFailed
    // with the engine's words (a policy error names the field).
    void loadScoreData();
    void saveGatePolicy(const QString& policyJson);
    void runGate(qint64 scorecardId, const QString& policyJson); // stores policy and verdicts
    void recordDecision(const DecisionInput& input);             // append-only
    // The release-decision report (.pdf or .html) -> reportExported or reportFailed.
    void exportReport(const QString& path);
    // Layers view (engine_bridge_layers.cpp): the given variants' per-tensor metrics and
    // stored sensitivity ranking -> layersLoaded; one tensor's histograms and outliers
    // -> tensorAnalysisLoaded. Failures -> jobFailed.
    void loadLayers(const QList<qint64>& variantIds);
    void loadTensorAnalysis(qint64 variantId, const QString& tensor);
    // Measures a workspace variant's output-aware error per linear layer on the text file
    // (chunks of nCtx tokens, at most `chunks` of them; <= 0: all) as a tracked job
    // (engine_bridge_calibrate.cpp): progress is one step per chunk, cancelJob() stops it
    // between chunks and nothing is stored -> calibrationFinished, jobFailed or
    // jobCancelled. Returns the job id, 0 when no workspace is set or no file is given.
    quint64 calibrate(qint64 variantId, const QString& textPath, int nCtx, int chunks);

    // --- Compare view (engine_bridge_compare.cpp) ---
    // Every scorecard in the workspace (header fields) -> scorecardsLoaded.
    void loadScorecards();
    // A scorecard compared with its baseline per dimension and slice, gated by the policy
    // file (empty: the default policy, see defaultPolicyText()) -> comparisonLoaded.
    void loadComparison(qint64 scorecardId, const QString& policyPath);
    static QString defaultPolicyText();
    // Imports a results file (lm-eval json, long CSV/JSONL) into the workspace as a
    // tracked job -> scorecardsImported; `mapping` and `baseline` as quantlens-cli import.
    bool importScorecard(const QString& file, const QString& mapping, const QString& baseline,
                         double scoreScale);
    // The shape the VRAM-fit chart sizes variants with, from a model file or a
    // config.json -> fitShapeLoaded (or jobFailed with the reader's message).
    void loadFitShape(const QString& path);
    FitShapeInfo fitShape() const { return m_fitShapeInfo; }
    // Sizes every variant of `query` on the loaded shape. Cheap (no I/O): the GUI calls it
    // on every slider move. Bars carry an error instead of sizes when a format does not fit
    // the model (or no shape is loaded).
    FitChartData computeFit(const FitQuery& query) const;
    static QList<GpuInfo> gpuCatalog();
    static QStringList fitFormatNames();
    // The largest baseline top-k an evaluation set accepts (ql::kMaxBaselineTopK).
    static int maxBaselineTopK();

    // --- Evaluation (engine_bridge_eval.cpp) ---
    // Scores `variant` (a workspace variant id or format, or a model file) per example on
    // the evaluation set `set` ("NAME" or "NAME@VERSION") against `baseVariant` (empty: a
    // workspace variant's source model) into a workspace scorecard, as a tracked job:
    // progress is one step per window, cancelJob() stops it between windows and no
    // scorecard is stored -> evaluationFinished, evaluationFailed or jobCancelled. Returns
    // the job id, 0 when no workspace is set.
    quint64 evaluate(const QString& set, const QString& variant, const QString& baseVariant);
    // The workspace's evaluation set versions (with their slices) and the models and
    // variants that can be scored on them -> evalSetsLoaded (empty without a workspace)
    // or evalSetsFailed.
    void loadEvalSets();
    // Reads a JSONL or separated-text file into the workspace as a new set version (the
    // same content again: the version already there), as a tracked job -> evalSetImported,
    // evalSetImportFailed (the engine's words: file, line, byte offset) or jobCancelled.
    // Returns the job id, 0 when no workspace is set or no file is given.
    quint64 importEvalSet(const QString& file, const EvalSetImportOptions& options);

    // --- Jobs (engine_bridge_jobs.cpp) ---
    // Every tracked job that is queued, running, or ended less than a moment ago.
    QList<JobInfo> jobs() const { return m_jobs; }
    void cancelJob(quint64 jobId);

    // --- Compute device (settings) ---
    // Auto, CPU or a Vulkan device: the backends are made again on the engine thread
    // (after the running job) -> backendReady with the new summary.
    void setComputeDevice(const QString& device); // "auto", "cpu", "vulkan:N"
    QString computeDevice() const { return m_computeDevice; }

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
    void scoreDataLoaded(const ScoreViewData& data);
    void scoreActionFailed(const QString& message);
    void reportExported(const QString& path);
    void reportFailed(const QString& path, const QString& message);
    void evaluationFinished(qint64 scorecardId, const QString& setVersion);
    void evaluationFailed(const QString& message);
    void evalSetsLoaded(const EvalSetupData& data);
    void evalSetsFailed(const QString& message);
    void evalSetImported(const EvalSetInfo& version, bool created);
    void evalSetImportFailed(const QString& file, const QString& message);
    void layersLoaded(const LayersData& layers);
    void tensorAnalysisLoaded(const TensorAnalysisData& analysis);
    void calibrationFinished(qint64 variantId, int layers);
    void scorecardsLoaded(const ScorecardInfoList& scorecards);
    void comparisonLoaded(const ComparisonData& comparison);
    void comparisonFailed(const QString& message);
    void scorecardsImported(const QList<qint64>& ids);
    void importFailed(const QString& file, const QString& message);
    void fitShapeLoaded(const FitShapeInfo& shape);
    void fitShapeFailed(const QString& path, const QString& message);
    void jobsChanged(const QList<JobInfo>& jobs);

private:
    bool submitQuantize(ql::QuantizeRequest request, const QString& name, bool takesImportance);
    struct EngineState;
    using GuiFn = std::function<void(const ql::JobSnapshot&)>;
    using WorkFn = std::function<void(ql::JobContext&)>;

    uint64_t submit(const QString& title, WorkFn work, GuiFn onGui);
    void submitOpen(const QString& title, const QString& path, WorkFn prepare);
    void startActive(uint64_t jobId, const QString& title);
    void endActive();
    void pollProgress();
    void submitScoreWork(const QString& title, std::function<void(ql::Workspace&)> change);
    uint64_t track(uint64_t jobId);
    void pollJobs();

    std::shared_ptr<EngineState> m_state; // touched only inside jobs
    std::unique_ptr<ql::EngineThread> m_engine;
    QTimer m_poll;
    uint64_t m_activeJob = 0;
    qint64 m_lastDone = -1;
    QString m_lastStage;
    QString m_workspacePath;
    QString m_modelPath;
    QString m_imatrixPath;            // setImportanceMatrix
    bool m_imatrixWeighsOnly = false; // setImportanceWeighsOnly
    // The fit chart's shape: made on the engine thread, immutable afterwards, read here.
    std::shared_ptr<const ql::fit::ModelShape> m_fitShape;
    FitShapeInfo m_fitShapeInfo;
    QList<uint64_t> m_tracked;
    QList<JobInfo> m_jobs;
    QString m_computeDevice = QStringLiteral("auto");
};
