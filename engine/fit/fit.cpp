#include "engine/fit/fit.h"

#include "engine/core/error.h"

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

void validate(const FitRequest& r) {
    if (r.tensorParallel < 1 || r.context < 1 || r.batch < 1)
        throw Error("fit: context, batch and tensor parallelism must be at least 1");
    const bool quantizedV = ggmlBlock(r.kvTypeV) && ggmlBlock(r.kvTypeV)->elements > 1;
    if (r.runtime.runtime == Runtime::LlamaCpp && quantizedV && !r.runtime.flashAttention)
        throw Error("llama.cpp cannot quantize the V cache without flash attention "
                    "(use --flash-attn or a float V type)");
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
    validate(r);
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
    f.maxContext = maxContext(s, r);
    f.maxBatch = maxBatch(s, r);
    f.notes.push_back("compute buffer and fixed overhead are estimates: " + r.runtime.notes);
    if (!s.excludedNote.empty())
        f.notes.push_back(s.excludedNote);
    return f;
}

} // namespace ql::fit
