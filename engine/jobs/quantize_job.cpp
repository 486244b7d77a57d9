#include "engine/jobs/quantize_job.h"

#include "engine/jobs/backend_labels.h"

#include "engine/jobs/weight_moments.h"

#include "engine/core/error.h"
#include "engine/core/parallel.h"
#include "engine/model/model.h"
#include "engine/quant/hqq.h"
#include "engine/quant/imatrix_file.h"
#include "engine/quant/imatrix_quantize.h"
#include "engine/quant/weighted_error.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

namespace ql {
namespace {

// The importance matrix of a job: read once, with what the variant records about it.
struct ImportanceSource {
    Imatrix imatrix;
    std::string label;                     // the file, as errors name it
    std::string hash;                      // xxh64 of the file's bytes
    bool encodes = true;                   // false: it only weighs the error (--weigh-with)
    std::set<std::string> missing, unused; // tensors with no entry / stored in a format without
};

int jobThreads(const QuantizeRequest& request) {
    return request.threads > 0 ? request.threads : defaultThreadCount();
}

// Rows per chunk: about 4 Mi weights by default, so cancellation is checked often and
// memory stays bounded even for the largest tensors.
int64_t chunkRows(int64_t chunkWeights, int64_t cols) {
    return std::max<int64_t>(1, chunkWeights / std::max<int64_t>(1, cols));
}

// First pass: the tensor's mean and sigma, which the analysis measures in. It also
// rejects NaN and Inf before anything is quantized.
// Rows are summed on threads and merged in row order (weight_moments.h), so the moments
// are the same for any thread count and chunk size.
WeightMoments weightMoments(const Model& model, const TensorInfo& t, int64_t step, int threads,
                            JobContext& ctx) {
    WeightMoments moments;
    std::vector<float> buffer;
    for (int64_t r = 0; r < t.rows(); r += step) {
        ctx.checkCancelled();
        const int64_t n = std::min(step, t.rows() - r);
        buffer.resize(size_t(n * t.cols()));
        model.readRowsF32(t, r, n, buffer.data());
        addRowMoments(buffer, t.cols(), r, threads, t.name, moments);
    }
    return moments;
}

nlohmann::json hqqSolver(QuantFormat format) {
    const HqqParams p;
    return {{"p", p.p},
            {"beta", p.beta},
            {"kappa", p.kappa},
            {"iterations", p.iterations},
            {"early_stop", "when the tensor's mean |w - dequantized| stops falling"},
            {"round_zero", hqqRoundsZero(format)}};
}

nlohmann::json imatrixParameters(const ImportanceSource& s) {
    // The absolute path lets the evaluators rebuild the variant with the same file (checked
    // by its hash): engine/eval/eval_model.cpp.
    return {{"file", std::filesystem::path(s.label).filename().string()},
            {"path", std::filesystem::absolute(s.label).lexically_normal().string()},
            {"xxh64", s.hash},
            {"format", s.imatrix.format == ImatrixFormat::Gguf ? "gguf" : "legacy"},
            {"entries", s.imatrix.entries.size()},
            {"chunk_count", s.imatrix.chunkCount},
            {"datasets", s.imatrix.datasets}};
}

// ggml block types whose values are scale * code - min, a min per block or sub-block.
bool hasMinOffset(DType storage) {
    return storage == DType::Q4_1 || storage == DType::Q5_1 || storage == DType::Q2_K ||
           storage == DType::Q4_K || storage == DType::Q5_K;
}

std::string blockRounding(const QuantFormatInfo& info) {
    if (info.method == kLsqMethod)
        return "Quantlens' least-squares search, not llama.cpp's bytes (see convention)";
    return "as llama.cpp's reference quantizer";
}

nlohmann::json variantParameters(QuantFormat format, const ImportanceSource* importance) {
    const auto& info = quantFormatInfo(format);
    const bool block = info.kind == QuantKind::Block;
    // GPTQ sym keeps zero 2^(n-1); Q4_1, Q4_K and the like carry a min.
    const bool symmetric = block ? !hasMinOffset(info.storage) : info.scheme != QuantScheme::Asym;
    const char* scaleDtype = info.doubleQuant       ? "8-bit double-quantized"
                             : info.scaleBits == 32 ? "f32"
                                                    : "f16";
    nlohmann::json j{{"bits", info.bits},
                     {"group_size", info.groupSize},
                     {"per_tensor", info.perTensor},
                     {"symmetric", symmetric},
                     {"zero_point_bits", info.zeroBits},
                     {"qmax", info.qmax},
                     {"scale_dtype", block ? "per block layout" : scaleDtype},
                     {"rounding", block ? blockRounding(info) : "half to even"},
                     {"convention", info.convention}};
    if (info.zeroBits > 0)
        j["zero_point_dtype"] = info.zeroBits == 16 ? "f16" : "int" + std::to_string(info.zeroBits);
    if (isHqqFormat(format))
        j["hqq"] = hqqSolver(format);
    if (importance) // "imatrix": the encoders used it (eval rebuilds with it); "weighed_by": not
        j[importance->encodes ? "imatrix" : "weighed_by"] = imatrixParameters(*importance);
    return j;
}

ImportanceSource readImportanceSource(const std::filesystem::path& path, bool encodes) {
    ImportanceSource s;
    s.label = path.string();
    s.imatrix = readImatrix(path);
    s.hash = hashFiles({path});
    s.encodes = encodes;
    return s;
}

// The format of a preset's tensors that no rule changes, or the request's one format.
QuantFormat baseFormat(const QuantizeRequest& request) {
    return request.preset ? llamaPresetInfo(*request.preset).base : request.format;
}

std::optional<ImportanceSource> loadImportance(const QuantizeRequest& request) {
    if (!request.imatrixPath.empty() && !request.weighingImatrixPath.empty())
        throw Error("--imatrix and --weigh-with: give one; a variant made with an imatrix is "
                    "weighed by it");
    if (!request.weighingImatrixPath.empty())
        return readImportanceSource(request.weighingImatrixPath, false);
    if (request.imatrixPath.empty())
        return std::nullopt;
    if (!takesImportance(baseFormat(request)))
        throw Error("--imatrix: " + std::string(quantFormatInfo(baseFormat(request)).name) +
                    " has no importance-weighted encoder (llama.cpp has one for q4_0, q4_1, "
                    "q5_0, q5_1, q2_k..q6_k and iq4_nl; --weigh-with weighs its error "
                    "without quantizing with it)");
    return readImportanceSource(request.imatrixPath, true);
}

// The tensor's importance vector, for weighing its error and, when the source encodes and
// the stored format takes one, for its encoder. Notes the tensors the file has no entry for
// and those an encoding source could not be used for (reported as a warning, as
// llama-quantize prints them).
std::vector<float> importanceFor(ImportanceSource* source, const TensorInfo& t,
                                 QuantFormat format) {
    if (!source)
        return {};
    const ImatrixEntry* entry = source->imatrix.find(t.name);
    if (!entry) {
        source->missing.insert(t.name);
        return {};
    }
    std::vector<float> w = entry->importance(source->imatrix.format);
    requireImportance(w, t.cols(), t.matrices(), t.name, source->label);
    if (source->encodes && !takesImportance(format)) // weighed, but encoded without it
        source->unused.insert(t.name + " (" + std::string(quantFormatInfo(format).name) + ")");
    return w;
}

std::string joined(const std::set<std::string>& names) {
    std::string out;
    for (const auto& n : names)
        out += (out.empty() ? "" : ", ") + n;
    return out;
}

void warnAboutImportance(const ImportanceSource& s, JobContext& ctx) {
    if (!s.missing.empty())
        ctx.addWarning(s.label + " has no entry for " + std::to_string(s.missing.size()) +
                       (s.encodes ? " tensor(s), quantized without importance: "
                                  : " tensor(s), not weighed: ") +
                       joined(s.missing));
    if (!s.unused.empty())
        ctx.addWarning(s.label + ": " + std::to_string(s.unused.size()) +
                       " tensor(s) are stored in a fallback format that takes no importance: " +
                       joined(s.unused));
}

// Quantizes rows on the chosen backend, with the importance vectors when given; a failing
// non-CPU backend (device lost, out of device memory) hands the chunk to the CPU, which
// gives identical codes.
void quantizeChunk(BackendSet& backends, QuantFormat format, std::span<const float> src,
                   int64_t rows, int64_t cols, const ImportanceInput* importance,
                   QuantizedTensor& out, JobContext& ctx) {
    const auto run = [&](ComputeBackend& backend) {
        if (importance)
            backend.quantizeWithImportance(format, src, rows, cols, *importance, out);
        else
            backend.quantize(format, src, rows, cols, out);
    };
    ComputeBackend& chosen = importance ? backends.chooseWithImportance(format, rows, cols)
                                        : backends.choose(format, rows, cols);
    if (&chosen != &backends.cpu()) {
        try {
            run(chosen);
            return;
        } catch (const std::exception& e) {
            const std::string why = chosen.label() + " failed (" + e.what() +
                                    "); the CPU finished the work with identical results";
            ctx.addWarning(why);
            backends.disableVulkan(why);
        }
    }
    run(backends.cpu());
}

TensorMetricsRecord quantizeTensor(const Model& model, const TensorInfo& t, QuantFormat format,
                                   const QuantizeRequest& request, BackendSet& backends,
                                   ImportanceSource* importance, JobContext& ctx,
                                   std::vector<std::string>& chunkLabels) {
    const int64_t rows = t.rows(), cols = t.cols();
    const std::vector<float> weights = importanceFor(importance, t, format);
    const bool encodeWithWeights =
        !weights.empty() && importance->encodes && takesImportance(format);
    // Per-tensor scales, double-quantized absmax and HQQ's early stop span rows: one chunk
    // holds a whole matrix. A MoE stack takes one chunk per expert, since every expert is a
    // Linear of its own in the checkpoints these formats come from (vLLM keeps one FP8 scale
    // per expert).
    const int64_t step =
        needsWholeTensor(format) ? t.matrixRows() : chunkRows(request.chunkWeights, cols);
    TensorErrorAnalyzer acc(rows, cols, weightMoments(model, t, step, jobThreads(request), ctx),
                            jobThreads(request));
    std::vector<float> buffer;
    QuantizedTensor q;
    std::vector<std::string> used;     // each chunk's backend label
    WeightedErrorAccumulator weighted; // with an importance vector only (encoding or weighing)
    for (int64_t r = 0; r < rows; r += step) {
        ctx.checkCancelled();
        const int64_t n = std::min(step, rows - r);
        buffer.resize(size_t(n * cols));
        model.readRowsF32(t, r, n, buffer.data());
        const ImportanceInput importanceRows{weights, {r, t.matrixRows()}};
        quantizeChunk(backends, format, buffer, n, cols,
                      encodeWithWeights ? &importanceRows : nullptr, q, ctx);
        if (request.onChunk)
            request.onChunk(t.name, r, q);
        acc.add(r, buffer, q);
        if (!weights.empty())
            weighted.add(buffer, q, weights, importanceRows.layout);
        used.push_back(q.backend);
        ctx.advance(n * cols);
    }
    TensorMetricsRecord rec;
    rec.tensor = t.name;
    rec.rows = rows;
    rec.cols = cols;
    rec.sourceDType = std::string(dtypeInfo(t.dtype).name);
    rec.storageFormat = std::string(quantFormatInfo(format).name);
    rec.backend = combineBackendLabels(used, ", ", "chunks");
    chunkLabels.insert(chunkLabels.end(), used.begin(), used.end());
    rec.metrics = acc.metrics(format);
    if (!weights.empty())
        rec.weightedRmse = weighted.rmse();
    rec.analysis = acc.analysis(format);
    return rec;
}

// What the preset rules read of a model: llama.cpp's hyper-parameters, the expert count
// from the expert stacks, and whether it has an output matrix of its own.
LlamaModelFacts presetFacts(const Model& model, const QuantizeRequest& request) {
    const ModelConfig& c = model.config();
    LlamaModelFacts f;
    f.architecture = llamaCppArchitecture(c.architecture);
    f.nLayer = c.nLayer;
    f.nHead = c.nHead;
    f.nHeadKv = c.nHeadKv;
    f.imatrix = !request.imatrixPath.empty();
    f.hasOutput = false;
    for (const auto& t : model.tensors()) {
        const std::string name = llamaCppTensorName(t.name);
        f.hasOutput = f.hasOutput || name == "output.weight";
        if (t.shape.size() >= 3 && name.find("_exps") != std::string::npos)
            f.nExpert = std::max(f.nExpert, t.matrices());
    }
    return f;
}

// The preset's parameters: its name and how many tensors each format took.
nlohmann::json presetParameters(const QuantizeRequest& request,
                                const std::vector<TensorMetricsRecord>& metrics) {
    std::map<std::string, int> counts;
    for (const auto& m : metrics)
        ++counts[m.storageFormat];
    return {{"llama_quantize_preset", std::string(llamaPresetInfo(*request.preset).name)},
            {"tensors_per_format", counts}};
}

// The format each quantized tensor of `model` is stored in under `request`: its preset's
// rules (with the row-length fallback), or the request's format with the fallback.
std::map<std::string, QuantFormat> tensorFormats(const Model& model,
                                                 const QuantizeRequest& request) {
    std::vector<const TensorInfo*> quantized;
    for (const auto& t : model.tensors())
        if (isQuantizableWeight(t))
            quantized.push_back(&t);
    std::map<std::string, QuantFormat> out;
    if (!request.preset) {
        for (const TensorInfo* t : quantized)
            out[t->name] = fallbackFormat(request.format, t->cols());
        return out;
    }
    std::vector<std::string> names;
    for (const TensorInfo* t : quantized) {
        names.push_back(llamaCppTensorName(t->name));
        // The rules count layers by GGUF names; a block tensor they would not recognise
        // would silently take the default type.
        if (names.back().starts_with("model.layers."))
            throw Error(model.path().filename().string() + ": --preset: no GGUF name known for " +
                        t->name +
                        " (llama-quantize works on GGUF: convert it with convert_hf_to_gguf.py, "
                        "or use --format)");
    }
    std::vector<LlamaTensorRef> refs;
    for (size_t i = 0; i < quantized.size(); ++i)
        refs.push_back({names[i], quantized[i]->cols()});
    const auto formats = llamaPresetFormats(*request.preset, presetFacts(model, request), refs);
    for (size_t i = 0; i < quantized.size(); ++i)
        out[quantized[i]->name] = formats[i];
    return out;
}

} // namespace

int64_t registerModel(const Model& model, Workspace& workspace) {
    ModelRecord rec;
    rec.path = std::filesystem::absolute(model.path()).lexically_normal().string();
    rec.fileBytes = model.fileBytes();
    std::vector<std::filesystem::path> files;
    for (const auto& f : model.files())
        files.push_back(f->path());
    rec.contentHash = hashFiles(files);
    rec.format = model.format() == ModelFormat::Gguf ? "gguf" : "safetensors";
    rec.architecture = model.config().architecture;
    rec.parameterCount = model.parameterCount();
    return workspace.addModel(rec);
}

QuantizeOutcome quantizeModel(const QuantizeRequest& request, Workspace& workspace,
                              BackendSet& backends, JobContext& ctx) {
    ctx.setStage("opening " + request.modelPath.filename().string());
    auto model = Model::open(request.modelPath);
    std::optional<ImportanceSource> importance = loadImportance(request);
    const QuantFormat base = baseFormat(request);
    if (request.preset && llamaPresetInfo(*request.preset).needsImatrix &&
        request.imatrixPath.empty())
        throw Error(std::string(llamaPresetInfo(*request.preset).name) +
                    " needs an importance matrix (--imatrix), as llama-quantize does");
    const std::map<std::string, QuantFormat> formats = tensorFormats(*model, request);
    QuantizeOutcome out;
    out.modelId = registerModel(*model, workspace);

    int64_t total = 0;
    for (const auto& t : model->tensors())
        if (isQuantizableWeight(t))
            total += t.elements();
    ctx.setTotal(total);

    VariantRecord& v = out.variant;
    std::vector<std::string> used; // every chunk's backend label, of every tensor
    for (const auto& t : model->tensors()) {
        v.totalWeights += t.elements();
        if (!isQuantizableWeight(t)) {
            v.totalBytes += t.nbytes;
            if (std::string why = keptAsStoredReason(t, base); !why.empty())
                out.keptAsStored.emplace_back(t.name, std::move(why));
            continue;
        }
        ctx.setStage("quantizing " + t.name);
        out.metrics.push_back(quantizeTensor(*model, t, formats.at(t.name), request, backends,
                                             importance ? &*importance : nullptr, ctx, used));
        v.totalBytes += out.metrics.back().metrics.bytes;
        if (request.onTensor)
            request.onTensor(out.metrics.back());
    }
    ctx.checkCancelled();
    if (importance)
        warnAboutImportance(*importance, ctx);
    const auto& info = quantFormatInfo(base);
    v.modelId = out.modelId;
    v.format = request.preset ? std::string(llamaPresetInfo(*request.preset).name)
                              : std::string(info.name);
    v.method = std::string(info.method);
    nlohmann::json parameters = variantParameters(base, importance ? &*importance : nullptr);
    if (request.preset)
        parameters.update(presetParameters(request, out.metrics));
    v.parameters = parameters.dump();
    v.toolVersion = std::string("quantlens ") + QUANTLENS_VERSION;
    // From the chunks' own labels, not the tensors' combined ones; a chunk is a whole tensor
    // for the formats that need one (HQQ, per-tensor scales).
    v.backend = combineBackendLabels(used, "; ", needsWholeTensor(base) ? "tensors" : "chunks");
    ctx.setStage("storing variant");
    out.variantId = workspace.addVariant(v, out.metrics);
    out.sensitivity = workspace.sensitivity(out.variantId);
    v.id = out.variantId;
    return out;
}

} // namespace ql
