#include "engine/jobs/quantize_job.h"

#include "engine/core/error.h"
#include "engine/model/model.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

namespace ql {
namespace {

// Rows per chunk: about 4 Mi weights by default, so cancellation is checked often and
// memory stays bounded even for the largest tensors.
int64_t chunkRows(int64_t chunkWeights, int64_t cols) {
    return std::max<int64_t>(1, chunkWeights / std::max<int64_t>(1, cols));
}

// First pass: the tensor's mean and sigma, which the analysis measures in. It also
// rejects NaN and Inf before anything is quantized.
WeightMoments weightMoments(const Model& model, const TensorInfo& t, int64_t step,
                            JobContext& ctx) {
    WeightMoments moments;
    std::vector<float> buffer;
    for (int64_t r = 0; r < t.rows(); r += step) {
        ctx.checkCancelled();
        const int64_t n = std::min(step, t.rows() - r);
        buffer.resize(size_t(n * t.cols()));
        model.readRowsF32(t, r, n, buffer.data());
        requireFinite(buffer, t.name);
        moments.add(buffer);
    }
    return moments;
}

std::string variantParameters(QuantFormat format) {
    const auto& info = quantFormatInfo(format);
    const bool symmetric = info.scheme != QuantScheme::Asym; // GPTQ sym keeps zero 2^(n-1)
    const char* scaleDtype = info.doubleQuant       ? "8-bit double-quantized"
                             : info.scaleBits == 32 ? "f32"
                                                    : "f16";
    nlohmann::json j{
        {"bits", info.bits},
        {"group_size", info.groupSize},
        {"per_tensor", info.perTensor},
        {"symmetric", symmetric},
        {"zero_point_bits", info.zeroBits},
        {"qmax", info.qmax},
        {"scale_dtype", info.kind == QuantKind::Block ? "per block layout" : scaleDtype},
        {"rounding",
         info.kind == QuantKind::Block ? "as llama.cpp's reference quantizer" : "half to even"},
        {"convention", info.convention}};
    return j.dump();
}

// Quantizes rows on the chosen backend; a failing non-CPU backend (device lost, out of
// device memory) hands the chunk to the CPU, which gives identical codes.
void quantizeChunk(BackendSet& backends, QuantFormat format, std::span<const float> src,
                   int64_t rows, int64_t cols, QuantizedTensor& out, JobContext& ctx) {
    ComputeBackend& chosen = backends.choose(format, rows, cols);
    if (&chosen != &backends.cpu()) {
        try {
            chosen.quantize(format, src, rows, cols, out);
            return;
        } catch (const std::exception& e) {
            const std::string why = chosen.label() + " failed (" + e.what() +
                                    "); the CPU finished the work with identical results";
            ctx.addWarning(why);
            backends.disableVulkan(why);
        }
    }
    backends.cpu().quantize(format, src, rows, cols, out);
}

TensorMetricsRecord quantizeTensor(const Model& model, const TensorInfo& t,
                                   const QuantizeRequest& request, BackendSet& backends,
                                   JobContext& ctx) {
    const int64_t rows = t.rows(), cols = t.cols();
    const QuantFormat format = fallbackFormat(request.format, cols);
    // Per-tensor scales and double-quantized absmax span rows: one chunk holds them all.
    const int64_t step = needsWholeTensor(format) ? rows : chunkRows(request.chunkWeights, cols);
    TensorErrorAnalyzer acc(rows, cols, weightMoments(model, t, step, ctx));
    std::vector<float> buffer;
    QuantizedTensor q;
    std::set<std::string> used;
    for (int64_t r = 0; r < rows; r += step) {
        ctx.checkCancelled();
        const int64_t n = std::min(step, rows - r);
        buffer.resize(size_t(n * cols));
        model.readRowsF32(t, r, n, buffer.data());
        quantizeChunk(backends, format, buffer, n, cols, q, ctx);
        acc.add(r, buffer, q);
        used.insert(q.backend);
        ctx.advance(n * cols);
    }
    TensorMetricsRecord rec;
    rec.tensor = t.name;
    rec.rows = rows;
    rec.cols = cols;
    rec.sourceDType = std::string(dtypeInfo(t.dtype).name);
    rec.storageFormat = std::string(quantFormatInfo(format).name);
    for (const auto& b : used)
        rec.backend += (rec.backend.empty() ? "" : ", ") + b;
    rec.metrics = acc.metrics(format);
    rec.analysis = acc.analysis(format);
    return rec;
}

} // namespace

bool isQuantizableWeight(const TensorInfo& t) {
    return t.isMatrix() && isFloatDType(t.dtype) && t.elements() > 0;
}

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
    QuantizeOutcome out;
    out.modelId = registerModel(*model, workspace);

    int64_t total = 0;
    for (const auto& t : model->tensors())
        if (isQuantizableWeight(t))
            total += t.elements();
    ctx.setTotal(total);

    VariantRecord& v = out.variant;
    std::set<std::string> used;
    for (const auto& t : model->tensors()) {
        v.totalWeights += t.elements();
        if (!isQuantizableWeight(t)) {
            v.totalBytes += t.nbytes;
            continue;
        }
        ctx.setStage("quantizing " + t.name);
        out.metrics.push_back(quantizeTensor(*model, t, request, backends, ctx));
        v.totalBytes += out.metrics.back().metrics.bytes;
        used.insert(out.metrics.back().backend);
        if (request.onTensor)
            request.onTensor(out.metrics.back());
    }
    ctx.checkCancelled();
    const auto& info = quantFormatInfo(request.format);
    v.modelId = out.modelId;
    v.format = std::string(info.name);
    v.method = std::string(info.method);
    v.parameters = variantParameters(request.format);
    v.toolVersion = std::string("quantlens ") + QUANTLENS_VERSION;
    for (const auto& b : used)
        v.backend += (v.backend.empty() ? "" : "; ") + b;
    ctx.setStage("storing variant");
    out.variantId = workspace.addVariant(v, out.metrics);
    out.sensitivity = workspace.sensitivity(out.variantId);
    v.id = out.variantId;
    return out;
}

} // namespace ql
