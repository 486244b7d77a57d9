// EngineBridge: evaluation sets and per-example evaluation. Reading the workspace's sets
// and the models that can be scored, importing a set from a file, and scoring a variant
// on a set version: each a job on the engine thread, the long ones tracked in the job
// list with progress and cancel.
#include "engine/core/error.h"
#include "engine/eval/eval_job.h"
#include "engine/eval/eval_set_import.h"
#include "engine/jobs/engine_thread.h"
#include "engine/model/model.h"
#include "engine/store/evalset_store.h"
#include "ui/engine_bridge.h"
#include "ui/engine_bridge_state.h"
#include "ui/engine_values.h"

#include <QFileInfo>
#include <memory>

namespace {

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

// Slices with their example counts, in first-seen order.
QList<QPair<QString, qint64>> sliceCounts(const std::vector<ql::EvalExample>& examples) {
    QList<QPair<QString, qint64>> out;
    for (const auto& e : examples)
        for (const auto& s : e.slices) {
            const QString name = qs(s);
            auto it = std::find_if(out.begin(), out.end(),
                                   [&name](const auto& p) { return p.first == name; });
            if (it == out.end())
                out.append({name, 1});
            else
                ++it->second;
        }
    return out;
}

EvalSetInfo toSetInfo(const ql::EvalSetVersion& v, const std::vector<ql::EvalExample>& examples) {
    EvalSetInfo i;
    i.id = v.id;
    i.name = qs(v.name);
    i.version = v.version;
    i.label = qs(v.label());
    i.contentHash = qs(v.contentHash);
    i.exampleCount = v.exampleCount;
    i.nCtx = v.settings.nCtx;
    i.scoring = QString::fromLatin1(ql::exampleScoringName(v.settings.scoring));
    i.tokenizer = qs(v.settings.tokenizer);
    i.baselineTopK = v.settings.baselineTopK;
    i.slices = sliceCounts(examples);
    i.sourcePath = qs(v.sourcePath);
    i.createdAt = qs(v.createdAt);
    return i;
}

EvalTargetInfo originalTarget(const std::filesystem::path& path, int64_t modelId) {
    EvalTargetInfo t;
    t.spec = fromPath(path);
    t.label = fromPath(path.stem());
    t.modelId = modelId;
    t.modelPath = fromPath(path);
    t.fileExists = std::filesystem::exists(path);
    return t;
}

// Originals of the workspace's models (and of the opened model when the workspace does
// not know it yet), then every variant, as openEvalModel names them.
QList<EvalTargetInfo> evalTargets(const ql::Workspace& ws, const std::filesystem::path& opened) {
    QList<EvalTargetInfo> out;
    bool openedKnown = opened.empty();
    std::map<int64_t, std::string> paths;
    for (const ql::ModelRecord& m : ws.models()) {
        paths[m.id] = m.path;
        out.append(originalTarget(m.path, m.id));
        std::error_code ec;
        openedKnown = openedKnown || std::filesystem::equivalent(m.path, opened, ec);
    }
    if (!openedKnown)
        out.append(originalTarget(opened, 0));
    for (const ql::VariantRecord& v : ws.variants()) {
        EvalTargetInfo t = originalTarget(paths[v.modelId], v.modelId);
        t.spec = QString::number(v.id);
        t.label = qs(v.format + "#" + std::to_string(v.id));
        t.variantId = v.id;
        t.format = qs(v.format);
        out.append(t);
    }
    return out;
}

std::vector<ql::EvalExample> readExamples(const std::filesystem::path& file,
                                          const std::string& separator) {
    if (!separator.empty())
        return ql::readSeparatedExamples(file, separator);
    return ql::readJsonlExamples(file);
}

} // namespace

void EngineBridge::loadEvalSets() {
    auto data = std::make_shared<EvalSetupData>();
    data->workspace = m_workspacePath;
    if (m_workspacePath.isEmpty()) {
        emit evalSetsLoaded(*data);
        return;
    }
    auto work = [state = m_state, ws = toPath(m_workspacePath), opened = toPath(m_modelPath),
                 data](ql::JobContext&) {
        ql::Workspace& workspace = state->workspaceAt(ws);
        for (const auto& v : ql::evalSetVersions(workspace))
            data->sets.append(toSetInfo(v, ql::evalSetExamples(workspace, v.id)));
        data->targets = evalTargets(workspace, opened);
    };
    submit(tr("Reading evaluation sets"), work, [this, data](const ql::JobSnapshot& s) {
        if (s.status == ql::JobStatus::Finished)
            emit evalSetsLoaded(*data);
        else if (s.status == ql::JobStatus::Failed)
            emit evalSetsFailed(QString::fromStdString(s.error));
    });
}

int EngineBridge::maxBaselineTopK() {
    return int(ql::kMaxBaselineTopK);
}

quint64 EngineBridge::importEvalSet(const QString& file, const EvalSetImportOptions& options) {
    if (m_workspacePath.isEmpty() || file.isEmpty())
        return 0;
    auto result = std::make_shared<std::pair<EvalSetInfo, bool>>();
    const std::string name = options.name.trimmed().isEmpty() ? toPath(file).stem().string()
                                                              : options.name.toStdString();
    auto work = [state = m_state, ws = toPath(m_workspacePath), path = toPath(file), name,
                 separator = options.separator.toStdString(), nCtx = options.nCtx,
                 scoring = options.scoring.toStdString(), topK = options.baselineTopK,
                 result](ql::JobContext& ctx) {
        ql::EvalSettings settings;
        settings.nCtx = nCtx;
        settings.scoring = ql::exampleScoringFromName(scoring);
        ql::checkBaselineTopK(topK);
        settings.baselineTopK = int32_t(topK);
        ctx.setTotal(3);
        ctx.setStage("reading " + path.filename().string());
        const auto examples = readExamples(path, separator);
        ctx.advance();
        ctx.setStage("hashing " + path.filename().string());
        const std::string sourceHash = ql::hashFiles({path});
        ctx.advance();
        ctx.checkCancelled(); // the last point before anything is written
        ctx.setStage("storing " + name);
        ql::Workspace& workspace = state->workspaceAt(ws);
        const ql::EvalSetImport r =
            ql::importEvalSet(workspace, name, examples, settings, path.string(), sourceHash);
        ctx.advance();
        *result = {toSetInfo(r.version, examples), r.created};
    };
    const QString title = tr("Importing evaluation set %1").arg(QFileInfo(file).fileName());
    const uint64_t id = submit(title, work, [this, result, file](const ql::JobSnapshot& s) {
        if (s.status == ql::JobStatus::Finished)
            emit evalSetImported(result->first, result->second);
        else if (s.status == ql::JobStatus::Failed)
            emit evalSetImportFailed(file, QString::fromStdString(s.error));
        else if (s.status == ql::JobStatus::Cancelled)
            emit jobCancelled();
    });
    track(id);
    return id;
}

quint64 EngineBridge::evaluate(const QString& set, const QString& variant,
                               const QString& baseVariant) {
    if (m_workspacePath.isEmpty() || set.isEmpty() || variant.isEmpty())
        return 0;
    auto outcome = std::make_shared<ql::EvalOutcome>();
    ql::EvalRequest request{toPath(m_workspacePath),
                            set.toStdString(),
                            variant.toStdString(),
                            baseVariant.toStdString(),
                            "",
                            0};
    auto work = [request, outcome](ql::JobContext& ctx) {
        *outcome = ql::runEvaluation(request, ctx);
    };
    bool isId = false;
    variant.toLongLong(&isId);
    const QString what = isId ? tr("variant #%1").arg(variant) : QFileInfo(variant).fileName();
    const QString title = tr("Evaluating %1 on %2").arg(what, set);
    const uint64_t id = submit(title, work, [this, outcome](const ql::JobSnapshot& s) {
        if (s.status == ql::JobStatus::Finished)
            emit evaluationFinished(outcome->scorecardId,
                                    QString::fromStdString(outcome->version.label()));
        else if (s.status == ql::JobStatus::Failed)
            emit evaluationFailed(QString::fromStdString(s.error));
        else if (s.status == ql::JobStatus::Cancelled)
            emit jobCancelled();
    });
    track(id);
    return id;
}
