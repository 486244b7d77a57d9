// EngineBridge: what the Compare view shows. Scorecards compared per dimension and slice
// under a gate policy, scorecard import as a tracked job, and the VRAM-fit model.
#include "ui/engine_bridge.h"

#include "engine/core/error.h"
#include "engine/fit/fit.h"
#include "engine/fit/gpu_catalog.h"
#include "engine/fit/hf_config.h"
#include "engine/fit/shape_from_model.h"
#include "engine/jobs/engine_thread.h"
#include "engine/model/json_util.h"
#include "engine/model/model.h"
#include "engine/score/gate.h"
#include "engine/score/gate_limit.h"
#include "engine/score/importer.h"
#include "engine/store/score_store.h"
#include "ui/engine_bridge_state.h"
#include "ui/engine_values.h"

#include <QFileInfo>
#include <QHash>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

namespace {

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

QStringList qsList(const std::vector<std::string>& v) {
    QStringList out;
    for (const auto& s : v)
        out.append(qs(s));
    return out;
}

ScorecardInfo toInfo(const ql::score::Scorecard& c) {
    ScorecardInfo i;
    i.id = c.id;
    i.name = qs(c.name);
    i.evaluator = qs(c.evaluator);
    i.evalSetVersion = qs(c.evalSetVersion);
    i.baseline = qs(c.baseline);
    i.sourcePath = qs(c.sourcePath);
    i.importedAt = qs(c.importedAt);
    i.variants = qsList(c.variants());
    i.dimensions = qsList(c.dimensions());
    i.slices = int(c.slices().size());
    i.cells = int(c.cells.size());
    return i;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

// The gate's limit for a cell, by its lookup (slices, then dimensions, then the default;
// the tighter of absolute and relative; a critical slice without one gets 0). Mirrors
// engine/score/gate.cpp so that passing cells are coloured on the same scale.
CellVerdict toCellVerdict(ql::score::Verdict v) {
    switch (v) {
    case ql::score::Verdict::Fail:
        return CellVerdict::Fail;
    case ql::score::Verdict::Inconclusive:
        return CellVerdict::Inconclusive;
    case ql::score::Verdict::Pass:
        return CellVerdict::Pass;
    }
    return CellVerdict::Pass;
}

CellSignificance significanceOf(const ql::score::Comparison& c, std::optional<double> adjustedP,
                                double confidence) {
    const double alpha = 1.0 - confidence;
    std::optional<bool> sig;
    if (adjustedP)
        sig = *adjustedP < alpha;
    else if (c.pValue)
        sig = *c.pValue < alpha;
    else if (c.ciLow && c.ciHigh)
        sig = *c.ciLow > 0.0 || *c.ciHigh < 0.0;
    if (!sig)
        return CellSignificance::Unknown;
    return *sig ? CellSignificance::Significant : CellSignificance::NotSignificant;
}

struct CellContext {
    const ql::score::Scorecard& card;
    const ql::score::GatePolicy& policy;
    const ql::score::GateResult& gate;
    ql::score::StatsOptions stats;
};

const ql::score::GateReason* reasonFor(const CellContext& ctx, const std::string& variant,
                                       const std::string& dim, const std::string& slice) {
    for (const auto& vv : ctx.gate.variants)
        if (vv.variant == variant)
            for (const auto& r : vv.reasons)
                if (r.dimension == dim && r.slice == slice)
                    return &r;
    return nullptr;
}

HeatmapCell makeCell(const CellContext& ctx, const ql::score::ScoreCell& base,
                     const std::string& variant) {
    HeatmapCell out;
    const ql::score::ScoreCell* cell = ctx.card.find(variant, base.dimension, base.slice);
    out.limit = ql::score::gateLimit(ctx.policy, base.dimension, base.slice, base.score);
    const auto* reason = reasonFor(ctx, variant, base.dimension, base.slice);
    if (reason) {
        out.verdict = toCellVerdict(reason->severity);
        out.reason = qs(reason->message);
    } else {
        out.verdict = out.limit ? CellVerdict::Pass : CellVerdict::NotGated;
    }
    if (!cell)
        return out;
    const ql::score::Comparison c = ql::score::compareCells(base, *cell, ctx.stats);
    out.present = true;
    out.baseline = c.baseline;
    out.value = c.value;
    out.delta = c.delta;
    out.ciLow = c.ciLow;
    out.ciHigh = c.ciHigh;
    out.pValue = c.pValue;
    out.baselineN = base.n;
    out.variantN = cell->n;
    out.method = QString::fromLatin1(ql::score::statMethodLabel(c.method));
    out.significance =
        significanceOf(c, reason ? reason->adjustedP : std::nullopt, ctx.policy.confidence);
    return out;
}

HeatmapData dimensionHeatmap(const CellContext& ctx, const std::string& dim,
                             const std::vector<std::string>& variants) {
    HeatmapData d;
    d.dimension = qs(dim);
    d.title = qs(ctx.card.name + ": " + dim);
    d.baseline = qs(ctx.gate.baseline);
    d.confidence = ctx.policy.confidence;
    d.lowerIsBetter = contains(ctx.policy.lowerIsBetter, dim);
    d.variants = qsList(variants);
    // Reported averages are never gated; the heatmap is per slice.
    for (const auto& base : ctx.card.cells) {
        if (base.variant != ctx.gate.baseline || base.dimension != dim ||
            base.kind == ql::score::CellKind::ReportedAggregate)
            continue;
        d.slices.append(qs(base.slice));
        for (const auto& v : variants)
            d.cells.append(makeCell(ctx, base, v));
    }
    return d;
}

ComparisonData compare(const ql::score::Scorecard& card, const ql::score::GatePolicy& policy,
                       const QString& source) {
    const ql::score::GateResult gate = ql::score::evaluateGate(card, policy);
    CellContext ctx{card, policy, gate, {}};
    ctx.stats.confidence = policy.confidence;
    ctx.stats.bootstrapResamples = policy.bootstrapResamples;
    ctx.stats.seed = policy.seed;
    std::vector<std::string> variants;
    for (const auto& vv : gate.variants)
        variants.push_back(vv.variant);
    ComparisonData out;
    out.card = toInfo(card);
    out.policyName = qs(policy.name);
    out.policySource = source;
    out.comparisons = gate.comparisons;
    for (const auto& dim : card.dimensions())
        if (policy.dimensions.empty() || contains(policy.dimensions, dim))
            out.dimensions.append(dimensionHeatmap(ctx, dim, variants));
    for (const auto& vv : gate.variants)
        out.verdicts.append({qs(vv.variant), toCellVerdict(vv.verdict), int(vv.reasons.size())});
    return out;
}

ql::fit::FitRequest fitRequest(const FitQuery& q) {
    ql::fit::FitRequest r;
    r.context = std::max<qint64>(q.context, 1);
    r.batch = std::max<qint64>(q.batch, 1);
    const auto runtime = ql::fit::runtimeFromName(q.runtime.toStdString());
    r.runtime = ql::fit::defaultProfile(runtime.value_or(ql::fit::Runtime::LlamaCpp));
    return r;
}

// One variant's stacked bar, per GPU. The parts do not depend on the card; only vLLM's
// and TensorRT-LLM's reserved fraction does, and that lowers the GPU's line instead.
FitBar fitBar(const ql::fit::ModelShape& shape, ql::fit::FitRequest r, const QString& variant,
              const QString& format, bool guessed) {
    FitBar bar;
    bar.variant = variant;
    bar.format = format.isEmpty() ? QStringLiteral("?") : format;
    bar.formatGuessed = guessed;
    if (format.isEmpty()) {
        bar.error = QObject::tr("no weight format: the name does not say; choose one in the "
                                "variant list");
        return bar;
    }
    if (format == QLatin1String("stored")) {
        // A file's own types, or a config.json checkpoint as it ships.
        r.weights.format = std::nullopt;
    } else {
        const auto p = ql::fit::weightPolicyNamed(format.toStdString());
        if (!p) {
            bar.error = QObject::tr("unknown format '%1'").arg(format);
            return bar;
        }
        r.weights = *p;
    }
    try {
        const ql::fit::FitReport f = ql::fit::fitModel(shape, r);
        const double share =
            f.weights.total() ? double(f.weightBytes) / double(f.weights.total()) : 1;
        const auto metadata = quint64(std::llround(double(f.weights.metadata) * share));
        bar.parts = {f.weightBytes - metadata, metadata, f.kvBytes(), f.computeBytes,
                     f.fixedBytes + f.outputBytes};
    } catch (const std::exception& e) {
        bar.error = qs(e.what());
    }
    return bar;
}

} // namespace

FitChartData EngineBridge::computeFit(const FitQuery& q) const {
    FitChartData out;
    const ql::fit::FitRequest r = fitRequest(q);
    static const QHash<QString, QString> kRuntimeNames{
        {"llamacpp", "llama.cpp"}, {"vllm", "vLLM"}, {"trtllm", "TensorRT-LLM"}};
    const auto name = ql::fit::runtimeName(r.runtime.runtime);
    const QString key = QString::fromLatin1(name.data(), qsizetype(name.size()));
    out.title = tr("%1 at %2 tokens \u00d7 %3 sequence(s), %4")
                    .arg(m_fitShapeInfo.isValid() ? m_fitShapeInfo.name : tr("no model shape"))
                    .arg(r.context)
                    .arg(r.batch)
                    .arg(kRuntimeNames.value(key, key));
    for (const QString& id : q.gpus)
        if (const auto* g = ql::fit::GpuCatalog::builtin().find(id.toStdString())) {
            const auto reserved =
                quint64(std::llround(double(g->memoryBytes) * r.runtime.reservedFraction));
            out.gpus.append(
                {qs(g->name), quint64(g->memoryBytes), quint64(g->memoryBytes) - reserved});
        }
    for (int i = 0; i < q.variants.size(); ++i) {
        const QString format = q.formats.value(i);
        if (!m_fitShape) {
            FitBar bar;
            bar.variant = q.variants[i];
            bar.format = format;
            bar.error = tr("no model shape: open a model or choose a config.json");
            out.bars.append(bar);
            continue;
        }
        out.bars.append(fitBar(*m_fitShape, r, q.variants[i], format, q.guessed.value(i)));
    }
    return out;
}

QString EngineBridge::defaultPolicyText() {
    // A starting point, named as such wherever it is used: two points of accuracy (or of
    // any score in [0, 1]) per slice, significance required; likelihoods lower-is-better.
    return QString::fromUtf8(R"json({"name": "default (max regression 0.02 per slice)",
 "max_regression": {"absolute": 0.02},
 "lower_is_better": ["nll", "kld", "perplexity", "ppl", "word_perplexity", "bits_per_byte"]})json");
}

void EngineBridge::loadScorecards() {
    if (m_workspacePath.isEmpty())
        return emit scorecardsLoaded({});
    auto result = std::make_shared<ScorecardInfoList>();
    auto work = [state = m_state, ws = toPath(m_workspacePath), result](ql::JobContext&) {
        ql::Workspace& workspace = state->workspaceAt(ws);
        for (const auto& header : ql::scorecardList(workspace))
            if (const auto card = ql::loadScorecard(workspace, header.id))
                result->append(toInfo(*card));
    };
    submit(tr("Reading scorecards"), work, [this, result](const ql::JobSnapshot& s) {
        if (s.status == ql::JobStatus::Finished)
            emit scorecardsLoaded(*result);
        else if (s.status == ql::JobStatus::Failed)
            emit comparisonFailed(QString::fromStdString(s.error));
    });
}

void EngineBridge::loadComparison(qint64 scorecardId, const QString& policyPath) {
    if (m_workspacePath.isEmpty())
        return;
    auto result = std::make_shared<ComparisonData>();
    auto work = [state = m_state, ws = toPath(m_workspacePath), scorecardId, policyPath,
                 result](ql::JobContext&) {
        ql::Workspace& workspace = state->workspaceAt(ws);
        const auto card = ql::loadScorecard(workspace, scorecardId);
        if (!card)
            throw ql::Error(ws.string() + ": no scorecard " + std::to_string(scorecardId));
        const ql::score::GatePolicy policy =
            policyPath.isEmpty() ? ql::score::parseGatePolicyText(defaultPolicyText().toStdString(),
                                                                  "default policy")
                                 : ql::score::loadGatePolicy(toPath(policyPath));
        *result =
            compare(*card, policy, policyPath.isEmpty() ? tr("built-in default") : policyPath);
    };
    submit(tr("Comparing variants"), work, [this, result](const ql::JobSnapshot& s) {
        if (s.status == ql::JobStatus::Finished)
            emit comparisonLoaded(*result);
        else if (s.status == ql::JobStatus::Failed)
            emit comparisonFailed(QString::fromStdString(s.error));
    });
}

bool EngineBridge::importScorecard(const QString& file, const QString& mapping,
                                   const QString& baseline, double scoreScale) {
    if (m_workspacePath.isEmpty() || file.isEmpty())
        return false;
    auto ids = std::make_shared<QList<qint64>>();
    auto work = [state = m_state, ws = toPath(m_workspacePath), path = toPath(file),
                 mapping = mapping.toStdString(), baseline = baseline.toStdString(), scoreScale,
                 ids](ql::JobContext& ctx) {
        ql::score::ImportOptions o;
        if (!mapping.empty())
            o.mapping = ql::score::parseMapping(mapping);
        o.baseline = baseline;
        o.scoreScale = scoreScale;
        ctx.setStage("reading " + path.filename().string());
        const auto cards = ql::score::importFile(path, o);
        ctx.setTotal(int64_t(cards.size()));
        ctx.checkCancelled();
        ql::Workspace& workspace = state->workspaceAt(ws);
        ctx.setStage("storing scorecards");
        for (const auto& card : cards) {
            ids->append(ql::addScorecard(workspace, card));
            ctx.advance();
        }
    };
    const QString title = tr("Importing %1").arg(QFileInfo(file).fileName());
    const uint64_t id = submit(title, work, [this, ids, file](const ql::JobSnapshot& s) {
        if (s.status == ql::JobStatus::Finished)
            emit scorecardsImported(*ids);
        else if (s.status == ql::JobStatus::Failed)
            emit importFailed(file, QString::fromStdString(s.error));
        else if (s.status == ql::JobStatus::Cancelled)
            emit jobCancelled();
    });
    track(id);
    return true;
}

void EngineBridge::loadFitShape(const QString& path) {
    auto shape = std::make_shared<ql::fit::ModelShape>();
    auto work = [file = toPath(path), shape](ql::JobContext& ctx) {
        ctx.setStage("reading " + file.filename().string());
        if (file.extension() == ".json") {
            std::ifstream in(file);
            const std::string text{std::istreambuf_iterator<char>(in), {}};
            ql::checkJsonNesting(text, file.string(), 0, "the file"); // json_util.h
            const auto j = nlohmann::json::parse(text, nullptr, false);
            if (!j.is_discarded() && ql::fit::looksLikeHfConfig(j)) {
                // "meta-llama--Meta-Llama-3.1-8B_config.json" -> "Meta-Llama-3.1-8B"
                std::string name = file.stem().string();
                if (const auto cut = name.rfind("_config"); cut != std::string::npos)
                    name.erase(cut);
                if (const auto org = name.rfind("--"); org != std::string::npos)
                    name.erase(0, org + 2);
                if (name == "config")
                    name = file.parent_path().filename().string();
                *shape = ql::fit::shapeFromHfConfig(j, name);
                return;
            }
        }
        *shape = ql::fit::shapeFromModel(*ql::Model::open(file));
    };
    submit(tr("Reading the model shape"), work, [this, shape, path](const ql::JobSnapshot& s) {
        if (s.status != ql::JobStatus::Finished) {
            emit fitShapeFailed(path, QString::fromStdString(s.error));
            return;
        }
        m_fitShape = shape;
        m_fitShapeInfo.source = path;
        m_fitShapeInfo.name = qs(shape->name.empty() ? shape->modelType : shape->name);
        m_fitShapeInfo.parameters = shape->parameters();
        m_fitShapeInfo.fromModelFile = std::any_of(shape->tensors.begin(), shape->tensors.end(),
                                                   [](const auto& t) { return t.storedBytes > 0; });
        emit fitShapeLoaded(m_fitShapeInfo);
    });
}

QList<GpuInfo> EngineBridge::gpuCatalog() {
    QList<GpuInfo> out;
    for (const auto& g : ql::fit::GpuCatalog::builtin().gpus())
        out.append({qs(g.id), qs(g.name), quint64(g.memoryBytes)});
    return out;
}

QStringList EngineBridge::fitFormatNames() {
    QStringList out;
    for (const auto& f : ql::fit::weightFormats())
        out.append(QString::fromLatin1(f.name.data(), qsizetype(f.name.size())));
    // llama-quantize's file types: a GGUF variant's real per-tensor layout.
    for (const auto& p : ql::llamaPresets())
        out.append(QString::fromLatin1(p.name.data(), qsizetype(p.name.size())));
    return out;
}
