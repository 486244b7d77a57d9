#include "app/cli/output.h"

#include "engine/model/model.h"
#include "engine/quant/error_histogram.h"
#include "engine/quant/llama_presets.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace ql::cli {
namespace {

std::string fmt(const char* format, double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, value);
    return buf;
}

// JSON has no infinity: an exact quantization's SNR is written as null.
nlohmann::json finiteOrNull(double v) {
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

nlohmann::json configJson(const ModelConfig& c) {
    return {{"architecture", c.architecture},
            {"name", c.name},
            {"layers", c.nLayer},
            {"heads", c.nHead},
            {"kv_heads", c.nHeadKv},
            {"head_dim", c.headDim},
            {"embedding", c.nEmbd},
            {"feed_forward", c.nFf},
            {"context_length", c.contextLength},
            {"vocab_size", c.vocabSize}};
}

nlohmann::json locationsJson(const std::vector<OutlierLocation>& locations) {
    nlohmann::json out = nlohmann::json::array();
    for (const OutlierLocation& l : locations)
        out.push_back(
            {{"index", l.index}, {"beyond_3_sigma", l.beyondK3}, {"beyond_6_sigma", l.beyondK6}});
    return out;
}

nlohmann::json outliersJson(const OutlierSummary& o) {
    return {{"definition", "|w - mean| > k * sigma"},
            {"share_3_sigma", o.shareK3()},
            {"share_6_sigma", o.shareK6()},
            {"count_3_sigma", o.beyondK3},
            {"count_6_sigma", o.beyondK6},
            {"rows_with_6_sigma", o.rowsWithK6},
            {"cols_with_6_sigma", o.colsWithK6},
            {"top_rows", locationsJson(o.topRows)},
            {"top_cols", locationsJson(o.topCols)}};
}

nlohmann::json analysisJson(const TensorMetricsRecord& t) {
    if (!t.analysis)
        return nullptr;
    const TensorAnalysis& a = *t.analysis;
    return {{"weight_mean", a.weightMean},
            {"weight_sigma", a.weightSigma},
            {"error_scale", a.errorScale},
            {"sum_squared_error", t.metrics.sumSquaredError},
            {"sum_squared_weight", t.metrics.sumSquaredWeight},
            {"code_bits", a.codeBits},
            {"metadata_bits_per_weight", a.metadataBitsPerWeight},
            {"error_histogram", a.errorHistogram},
            {"weight_histogram", a.weightHistogram},
            {"outliers", outliersJson(a.outliers)}};
}

// JSON numbers cannot be infinite: the open outer edges are written as null.
nlohmann::json schemeJson(const HistogramScheme& s, const char* unit) {
    nlohmann::json edges = nlohmann::json::array();
    for (double e : s.edges)
        edges.push_back(finiteOrNull(e));
    return {{"scheme", s.name}, {"unit", unit}, {"edges", edges}};
}

nlohmann::json groupsJson(const std::vector<GroupError>& groups) {
    nlohmann::json out = nlohmann::json::array();
    for (const GroupError& g : groups)
        out.push_back({{"group", g.group},
                       {"tensors", g.tensors},
                       {"weights", g.weights},
                       {"share", g.share},
                       {"weight_share", g.weightShare},
                       {"concentration", g.concentration()},
                       {"rel_frobenius", g.relFrobenius()},
                       {"rmse", g.rmse()},
                       {"sum_squared_error", g.sumSquaredError}});
    return out;
}

nlohmann::json sensitivityJson(const SensitivityRanking& r) {
    return {{"measure", "share of the variant's summed squared weight error"},
            {"total_squared_error", r.totalSquaredError},
            {"by_block", groupsJson(r.byBlock)},
            {"by_kind", groupsJson(r.byKind)},
            {"by_tensor", groupsJson(r.byTensor)}};
}

nlohmann::json metricsJson(const TensorMetricsRecord& t) {
    const ErrorMetrics& m = t.metrics;
    return {{"tensor", t.tensor},
            {"kind", tensorKind(t.tensor)},
            {"layer", layerOf(t.tensor).label()},
            {"shape", {t.rows, t.cols}},
            {"source_dtype", t.sourceDType},
            {"storage_format", t.storageFormat},
            {"backend", t.backend},
            {"rmse", m.rmse},
            {"rel_frobenius", m.relFrobenius},
            {"snr_db", finiteOrNull(m.snrDb)},
            {"cosine", m.cosine},
            {"max_abs_error", m.maxAbsError},
            {"bytes", m.bytes},
            {"bits_per_weight", m.bitsPerWeight},
            // sqrt(sum w e^2 / sum w) with the imatrix's weights (weighted_error.h); else null
            {"importance_weighted_rmse",
             t.weightedRmse ? nlohmann::json(*t.weightedRmse) : nlohmann::json(nullptr)},
            {"analysis", analysisJson(t)}};
}

} // namespace

std::string shapeString(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i)
        s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

nlohmann::json modelJson(const Model& model) {
    nlohmann::json tensors = nlohmann::json::array();
    for (const auto& t : model.tensors())
        tensors.push_back({{"name", t.name},
                           {"shape", t.shape},
                           {"dtype", dtypeInfo(t.dtype).name},
                           {"parameters", t.elements()},
                           {"bytes", t.nbytes}});
    return {{"path", model.path().string()},
            {"format", modelFormatName(model.format())},
            {"file_bytes", model.fileBytes()},
            {"parameters", model.parameterCount()},
            {"tensor_count", model.tensors().size()},
            {"config", configJson(model.config())},
            {"tensors", tensors}};
}

void printModelSummary(std::ostream& out, const Model& model) {
    const ModelConfig& c = model.config();
    out << model.path().string() << " (" << modelFormatName(model.format()) << ", "
        << model.fileBytes() << " bytes)\n"
        << "  architecture  " << (c.architecture.empty() ? "?" : c.architecture) << "\n"
        << "  parameters    " << model.parameterCount() << " in " << model.tensors().size()
        << " tensors\n"
        << "  layers " << c.nLayer << ", heads " << c.nHead << ", KV heads " << c.nHeadKv
        << ", head dim " << c.headDim << ", embedding " << c.nEmbd << ", feed-forward " << c.nFf
        << "\n"
        << "  context " << c.contextLength << ", vocab " << c.vocabSize << "\n\n";
}

void printTensorTable(std::ostream& out, const Model& model) {
    char line[256];
    std::snprintf(line, sizeof line, "%-32s %-14s %-6s %12s %12s\n", "tensor", "shape", "dtype",
                  "parameters", "bytes");
    out << line;
    for (const auto& t : model.tensors()) {
        std::snprintf(line, sizeof line, "%-32s %-14s %-6s %12lld %12llu\n", t.name.c_str(),
                      shapeString(t.shape).c_str(), std::string(dtypeInfo(t.dtype).name).c_str(),
                      static_cast<long long>(t.elements()),
                      static_cast<unsigned long long>(t.nbytes));
        out << line;
    }
}

namespace {

nlohmann::json keptJson(const QuantizeOutcome& o) {
    nlohmann::json kept = nlohmann::json::array();
    for (const auto& [tensor, why] : o.keptAsStored)
        kept.push_back({{"tensor", tensor}, {"reason", why}});
    return kept;
}

} // namespace

nlohmann::json quantizeJson(const QuantizeOutcome& o, const std::string& backends) {
    nlohmann::json tensors = nlohmann::json::array();
    for (const auto& t : o.metrics)
        tensors.push_back(metricsJson(t));
    const VariantRecord& v = o.variant;
    return {{"model_id", o.modelId},
            {"variant_id", o.variantId},
            {"format", v.format},
            {"method", v.method},
            {"parameters", nlohmann::json::parse(v.parameters)},
            {"backend", v.backend},
            {"backends_available", backends},
            {"tool_version", v.toolVersion},
            {"total_bytes", v.totalBytes},
            {"total_weights", v.totalWeights},
            {"histogram_bins",
             {{"error", schemeJson(errorHistogramScheme(), "|q - w| / error_scale")},
              {"weight", schemeJson(weightHistogramScheme(), "(w - weight_mean) / weight_sigma")}}},
            {"tensors", tensors},
            {"kept_as_stored", keptJson(o)},
            {"sensitivity", sensitivityJson(o.sensitivity)}};
}

namespace {

void printGroups(std::ostream& out, const char* title, const std::vector<GroupError>& groups) {
    char line[160];
    std::snprintf(line, sizeof line, "%-24s %8s %9s %9s %10s\n", title, "share", "weights",
                  "x size", "rel_frob");
    out << line;
    for (const GroupError& g : groups) {
        std::snprintf(line, sizeof line, "%-24s %7.2f%% %8.2f%% %9.2f %10.4e\n", g.group.c_str(),
                      100.0 * g.share, 100.0 * g.weightShare, g.concentration(), g.relFrobenius());
        out << line;
    }
}

} // namespace

void printSensitivity(std::ostream& out, const SensitivityRanking& r) {
    out << "\nWhere the error sits (share of the summed squared weight error; \"x size\" is "
           "share / share of weights):\n";
    printGroups(out, "block", r.byBlock);
    out << "\n";
    printGroups(out, "kind", r.byKind);
}

void printQuantizeResult(std::ostream& out, const QuantizeOutcome& o, const std::string& backends) {
    const VariantRecord& v = o.variant;
    out << "variant " << v.id << ": " << v.format << " (" << v.method << ") on " << v.backend
        << "\n  backends: " << backends << "\n\n";
    // With an imatrix (encoding or weighing only): each tensor's importance-weighted RMSE.
    const bool weighed = std::any_of(o.metrics.begin(), o.metrics.end(),
                                     [](const TensorMetricsRecord& t) { return t.weightedRmse; });
    char line[256];
    std::snprintf(line, sizeof line, "%-32s %12s %10s %9s %10s %12s %7s%s\n", "tensor", "rmse",
                  "rel_frob", "snr_db", "cosine", "max_abs", "bpw", weighed ? "       w_rmse" : "");
    out << line;
    int fallbacks = 0;
    // A preset's tensors each have their own type: shown on every line.
    const bool preset = llamaPresetSpelled(v.format).has_value();
    for (const auto& t : o.metrics) {
        const ErrorMetrics& m = t.metrics;
        const bool fallback = !preset && t.storageFormat != v.format;
        fallbacks += fallback ? 1 : 0;
        const std::string weighedRmse = !weighed         ? ""
                                        : t.weightedRmse ? fmt(" %12.4e", *t.weightedRmse)
                                                         : std::string(12, ' ') + "-";
        std::snprintf(line, sizeof line, "%-32s %12.4e %10.4e %9.2f %10.6f %12.4e %7.3f%s%s\n",
                      t.tensor.c_str(), m.rmse, m.relFrobenius, m.snrDb, m.cosine, m.maxAbsError,
                      m.bitsPerWeight, weighedRmse.c_str(),
                      preset     ? ("  " + t.storageFormat).c_str()
                      : fallback ? ("  (" + t.storageFormat + " fallback)").c_str()
                                 : "");
        out << line;
    }
    if (weighed)
        out << "\nw_rmse: sqrt(sum w e^2 / sum w) with the importance matrix's weights"
            << (nlohmann::json::parse(v.parameters).contains("weighed_by")
                    ? " (--weigh-with: it weighs the error only; the encoders did not use it)\n"
                    : "\n");
    if (preset)
        out << "\neach tensor in the type llama-quantize's " << v.format
            << " gives it (llama_tensor_get_type), after its row-length fallback\n";
    if (fallbacks > 0)
        out << "\n"
            << fallbacks << " tensors have rows that are not a whole number of " << v.format
            << " blocks and were stored in the fallback format shown, as "
               "llama-quantize does\n";
    if (!o.keptAsStored.empty()) {
        out << "\n"
            << o.keptAsStored.size()
            << " tensors kept as stored (names llama-quantize keeps, or already quantized):";
        for (const auto& [tensor, why] : o.keptAsStored)
            out << "\n  " << tensor << " (" << why << ")";
        out << "\n";
    }
    printSensitivity(out, o.sensitivity);
    out << "\n"
        << o.metrics.size() << " tensors quantized; variant size " << v.totalBytes << " bytes ("
        << fmt("%.3f", 8.0 * double(v.totalBytes) / double(std::max<int64_t>(1, v.totalWeights)))
        << " bits per weight overall)\n";
}

} // namespace ql::cli
