#include "engine/fit/fit.h"

#include "engine/core/error.h"
#include "engine/fit/checkpoint_quant.h"

#include <algorithm>
#include <functional>

namespace ql::fit {
namespace {

struct Need {
    KvBreakdown kv;
    uint64_t weights = 0, compute = 0, output = 0;
};

KvOptions kvOptions(const FitRequest& r, int64_t context, int64_t batch) {
    KvOptions o;
    o.typeK = r.kvTypeK;
    o.typeV = r.kvTypeV;
    o.contextPerSequence = context;
    o.sequences = batch;
    o.padding = r.runtime.kvPadding;
    o.padPerSequence = r.runtime.padPerSequence;
    o.microBatch = r.runtime.stepTokens;
    o.tensorParallel = r.tensorParallel;
    return o;
}

Need need(const ModelShape& s, const FitRequest& r, uint64_t weightsPerGpu, int64_t context,
          int64_t batch) {
    Need n;
    n.weights = weightsPerGpu;
    n.kv = kvCacheBytes(s.attention, kvOptions(r, context, batch));
    const int64_t tokens = std::min(r.runtime.stepTokens, n.kv.cells);
    const int64_t outputs = r.runtime.logitsForEveryToken ? tokens : std::min(tokens, batch);
    n.compute = computeBufferEstimate(
        s, {tokens, n.kv.cells, outputs, r.runtime.flashAttention, r.runtime.activationBytes});
    if (r.runtime.outputBuffer)
        n.output = uint64_t(batch) * uint64_t(s.nVocab) * 4;
    return n;
}

uint64_t total(const Need& n, const FitRequest& r) {
    return n.weights + n.kv.total() + n.compute + n.output + r.runtime.fixedBytes;
}

uint64_t budget(const FitRequest& r) {
    return r.gpuBytes - uint64_t(r.runtime.reservedFraction * double(r.gpuBytes));
}

bool isGgmlQuant(WeightFormat t) {
    return ggmlBlock(t) && ggmlBlock(t)->elements > 1;
}

// The cache types each runtime offers: llama.cpp's -ctk/-ctv (f32, f16, bf16 and its
// block types, no FP8); vLLM's --kv-cache-dtype (auto = the model's float type, or fp8)
// and TensorRT-LLM's (the model's float type or FP8): no ggml blocks.
void validateKvType(const FitRequest& r, WeightFormat t) {
    const std::string name(weightFormatInfo(t).name);
    if (r.runtime.runtime == Runtime::LlamaCpp && t == WeightFormat::Fp8PerTensor)
        throw Error("llama.cpp has no FP8 KV cache (-ctk/-ctv take f32, f16, bf16, q8_0, "
                    "q4_0, q4_1, q5_0, q5_1, iq4_nl)");
    if (r.runtime.runtime != Runtime::LlamaCpp && isGgmlQuant(t))
        throw Error(r.runtime.name + " has no " + name +
                    " KV cache (it keeps the model's float type or fp8)");
}

// vLLM and TensorRT-LLM split the attention heads over the GPUs: the query heads must
// divide evenly, and the KV heads either divide or are replicated to one per GPU.
void validateTensorParallel(const ModelShape& s, const FitRequest& r) {
    const int64_t tp = r.tensorParallel;
    const AttentionShape& a = s.attention;
    if (tp == 1 || r.runtime.runtime == Runtime::LlamaCpp || a.nHead == 0)
        return;
    if (a.nHead % tp != 0)
        throw Error(r.runtime.name + " splits the " + std::to_string(a.nHead) +
                    " attention heads evenly over the GPUs; " + std::to_string(tp) +
                    " does not divide them");
    if (!a.mla && a.nHeadKv > 0 && a.nHeadKv % tp != 0 && tp % a.nHeadKv != 0)
        throw Error(r.runtime.name + " needs the " + std::to_string(a.nHeadKv) +
                    " KV heads to divide evenly over " + std::to_string(tp) +
                    " GPUs, or the GPUs over them");
}

void validate(const ModelShape& s, const FitRequest& r) {
    if (r.tensorParallel < 1 || r.context < 1 || r.batch < 1)
        throw Error("fit: context, batch and tensor parallelism must be at least 1");
    validateKvType(r, r.kvTypeK);
    validateKvType(r, r.kvTypeV);
    if (r.runtime.runtime == Runtime::LlamaCpp && isGgmlQuant(r.kvTypeV) &&
        !r.runtime.flashAttention)
        throw Error("llama.cpp cannot quantize the V cache without flash attention "
                    "(use --flash-attn or a float V type)");
    validateTensorParallel(s, r);
}

// What the report should say about a config.json checkpoint's own quantization.
void checkpointNotes(FitReport& f, const ModelShape& s, const FitRequest& r) {
    if (!s.checkpoint)
        return;
    const CheckpointQuantization& q = *s.checkpoint;
    if (!r.weights.format && q.format) {
        std::string kept;
        for (const auto& k : q.keep)
            kept += (kept.empty() ? "" : ", ") + k;
        f.notes.push_back("weights as the checkpoint ships them (" + q.source + ": " + q.method +
                          "): linear layers in " + std::string(weightFormatInfo(*q.format).name) +
                          (kept.empty() ? "" : ", these kept in float: " + kept));
    } else if (!r.weights.format) {
        f.notes.push_back("the checkpoint is quantized (" + q.source + ": " + q.method +
                          ") in a way the fit model does not size; its weights are counted "
                          "in bf16: pass --format to size them");
    }
    // A pattern naming single layers ("model.layers.0.self_attn") matches no group of
    // identical layers, so those modules are sized like the rest: say which.
    std::string unmatched;
    for (const auto& pattern : q.keep) {
        const bool any = std::any_of(s.tensors.begin(), s.tensors.end(), [&](const TensorGroup& g) {
            return moduleMatches(pattern, g.name);
        });
        if (!any)
            unmatched += (unmatched.empty() ? "" : ", ") + pattern;
    }
    if (!r.weights.format && q.format && !unmatched.empty())
        f.notes.push_back("the checkpoint keeps these in float, which match no tensor group "
                          "here and are sized in " +
                          std::string(weightFormatInfo(*q.format).name) + ": " + unmatched);
    if (q.kvCache && r.kvTypeK != *q.kvCache)
        f.notes.push_back("the checkpoint carries " +
                          std::string(weightFormatInfo(*q.kvCache).name) +
                          " KV-cache scales: vLLM uses them with --kv-cache-dtype fp8, "
                          "TensorRT-LLM builds an fp8 cache from them; --kv-type fp8 sizes that");
}

// The largest context memory allows, capped at the model's positions, with a note when
// either the request or the cap passes the model's limit.
void contextLimit(FitReport& f, const ModelShape& s, const FitRequest& r) {
    f.maxContextByMemory = maxContext(s, r);
    f.maxContext = f.maxContextByMemory;
    const int64_t limit = s.maxPositions;
    if (limit <= 0)
        return;
    if (r.context > limit)
        f.notes.push_back("the context of " + std::to_string(r.context) +
                          " tokens is beyond the model's " + std::to_string(limit) +
                          " positions (max_position_embeddings): vLLM refuses it, llama.cpp "
                          "warns");
    if (f.maxContextByMemory > limit) {
        f.maxContext = limit;
        f.notes.push_back("memory would hold " + std::to_string(f.maxContextByMemory) +
                          " tokens per sequence; the largest context is the model's " +
                          std::to_string(limit) + " positions");
    }
}

uint64_t weightsPerGpu(const WeightBreakdown& w, int tp) {
    return (w.total() + uint64_t(tp) - 1) / uint64_t(tp);
}

// Largest x in [1, limit] with fits(x); fits is monotone (true then false). 0 if none.
int64_t largest(int64_t limit, const std::function<bool(int64_t)>& fits) {
    if (!fits(1))
        return 0;
    int64_t lo = 1, hi = limit;
    if (fits(hi))
        return hi;
    while (hi - lo > 1) {
        const int64_t mid = lo + (hi - lo) / 2;
        (fits(mid) ? lo : hi) = mid;
    }
    return lo;
}

} // namespace

void setFlashAttention(RuntimeProfile& p, bool on) {
    p.flashAttention = on;
    if (p.runtime == Runtime::LlamaCpp)
        p.kvPadding = on ? 256 : 32;
}

int64_t maxContext(const ModelShape& s, const FitRequest& r, int64_t limit) {
    const uint64_t w = weightsPerGpu(weightBytes(s, r.weights), r.tensorParallel);
    return largest(limit,
                   [&](int64_t c) { return total(need(s, r, w, c, r.batch), r) <= budget(r); });
}

int64_t maxBatch(const ModelShape& s, const FitRequest& r, int64_t limit) {
    const uint64_t w = weightsPerGpu(weightBytes(s, r.weights), r.tensorParallel);
    return largest(limit,
                   [&](int64_t b) { return total(need(s, r, w, r.context, b), r) <= budget(r); });
}

FitReport fitModel(const ModelShape& s, const FitRequest& r) {
    validate(s, r);
    FitReport f;
    f.gpuName = r.gpuName;
    f.gpuBytes = r.gpuBytes;
    f.tensorParallel = r.tensorParallel;
    f.runtime = std::string(runtimeName(r.runtime.runtime));
    f.context = r.context;
    f.batch = r.batch;
    f.weights = weightBytes(s, r.weights);
    f.parameters = f.weights.parameters;
    const Need n = need(s, r, weightsPerGpu(f.weights, r.tensorParallel), r.context, r.batch);
    f.kvCells = n.kv.cells;
    f.weightBytes = n.weights;
    f.kvKBytes = n.kv.kBytes;
    f.kvVBytes = n.kv.vBytes;
    f.computeBytes = n.compute;
    f.outputBytes = n.output;
    f.fixedBytes = r.runtime.fixedBytes;
    f.reservedBytes = r.gpuBytes - budget(r);
    f.headroomBytes = int64_t(budget(r)) - int64_t(f.neededBytes());
    f.fits = f.headroomBytes >= 0;
    f.maxBatch = maxBatch(s, r);
    f.notes.push_back("compute buffer and fixed overhead are estimates: " + r.runtime.notes);
    contextLimit(f, s, r);
    if (r.weights.preset)
        f.notes.push_back("weights as llama-quantize writes " +
                          std::string(llamaPresetInfo(*r.weights.preset).name) +
                          ": each tensor in the type llama_tensor_get_type gives it");
    else
        checkpointNotes(f, s, r);
    if (!s.excludedNote.empty())
        f.notes.push_back(s.excludedNote);
    return f;
}

} // namespace ql::fit
