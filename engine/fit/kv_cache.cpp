#include "engine/fit/kv_cache.h"

#include "engine/core/error.h"

#include <algorithm>

namespace ql::fit {
namespace {

int64_t padTo(int64_t n, int64_t pad) {
    return pad > 1 ? (n + pad - 1) / pad * pad : n;
}

void checkHead(WeightFormat type, int64_t headDim, const char* which) {
    const auto block = ggmlBlock(type);
    if (block && headDim % block->elements != 0)
        throw Error(std::string(which) + " cache type " + std::string(weightFormatInfo(type).name) +
                    " needs a head dimension that " + "is a multiple of its block of " +
                    std::to_string(block->elements) + ", this model's is " +
                    std::to_string(headDim) +
                    " (llama.cpp aborts: GGML_ASSERT(n_embd_head_k % ggml_blck_size(type_k) "
                    "== 0))");
}

// Cells of one layer: a sliding-window layer needs window + one micro-batch per
// sequence (llama.cpp's SWA cache), never more than the full cache.
int64_t layerCells(const KvOptions& o, int64_t full, int64_t window) {
    if (window <= 0)
        return full;
    const int64_t swa = padTo(window * o.sequences + o.microBatch, o.padding);
    return std::min(full, swa);
}

int64_t windowOf(const AttentionShape& a, int64_t layer) {
    return layer < int64_t(a.window.size()) ? a.window[size_t(layer)] : 0;
}

} // namespace

bool isKvType(WeightFormat t) {
    switch (t) {
    case WeightFormat::F32:
    case WeightFormat::F16:
    case WeightFormat::BF16:
    case WeightFormat::Q8_0:
    case WeightFormat::Q4_0:
    case WeightFormat::Q4_1:
    case WeightFormat::Q5_0:
    case WeightFormat::Q5_1:
    case WeightFormat::IQ4_NL:
    case WeightFormat::Fp8PerTensor:
        return true;
    default:
        return false;
    }
}

uint64_t kvRowBytes(WeightFormat type, int64_t values) {
    if (!isKvType(type))
        throw Error("'" + std::string(weightFormatInfo(type).name) +
                    "' is not a KV cache type (f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, "
                    "iq4_nl, fp8)");
    // fp8 KV caches (vLLM, TensorRT-LLM) keep one scale per layer: nothing per cell.
    if (type == WeightFormat::Fp8PerTensor)
        return uint64_t(values);
    return tensorBytes(type, 1, values);
}

int64_t kvCells(const KvOptions& o) {
    if (o.padPerSequence)
        return padTo(o.contextPerSequence, o.padding) * o.sequences;
    return padTo(o.contextPerSequence * o.sequences, o.padding);
}

KvBreakdown kvCacheBytes(const AttentionShape& a, const KvOptions& o) {
    KvBreakdown kv;
    kv.cells = kvCells(o);
    const int tp = std::max(1, o.tensorParallel);
    const int64_t heads = a.mla ? 1 : (a.nHeadKv + tp - 1) / tp;
    const int64_t kValues = a.mla ? a.mlaLatentDim : heads * a.headDimK;
    const int64_t vValues = a.mla ? 0 : heads * a.headDimV;
    if (!a.mla) {
        checkHead(o.typeK, a.headDimK, "K");
        checkHead(o.typeV, a.headDimV, "V");
    }
    const uint64_t kRow = kvRowBytes(o.typeK, kValues);
    const uint64_t vRow = vValues ? kvRowBytes(o.typeV, vValues) : 0;
    for (int64_t layer = 0; layer < a.nLayer; ++layer) {
        const auto cells = uint64_t(layerCells(o, kv.cells, windowOf(a, layer)));
        kv.kBytes += cells * kRow;
        kv.vBytes += cells * vRow;
    }
    return kv;
}

} // namespace ql::fit
