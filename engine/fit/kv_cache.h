#pragma once
// KV cache bytes as llama.cpp allocates them (llama_kv_cache_init):
//   per layer: cells x (n_embd_k_gqa x bytes(K type) + n_embd_v_gqa x bytes(V type)),
//   n_embd_k_gqa = head_dim_k x n_head_kv, block types counted per block.
// Cells: the context of every concurrent sequence together, padded (kv_cache.cpp).
// Sliding-window layers keep only the window (plus one micro-batch) per sequence.
// MLA (DeepSeek) uses vLLM's convention: one latent of kv_lora_rank + qk_rope_head_dim
// values per cell and layer, in the K type, no V.
#include "engine/fit/model_shape.h"
#include "engine/fit/weight_format.h"

namespace ql::fit {

struct KvOptions {
    WeightFormat typeK = WeightFormat::F16;
    WeightFormat typeV = WeightFormat::F16;
    int64_t contextPerSequence = 0;
    int64_t sequences = 1; // batch of concurrent sequences, each with its own context
    // Cells are allocated in multiples of this. llama.cpp c392e509 pads n_ctx to 32
    // without flash attention and 256 with it; paged runtimes use their block size.
    int64_t padding = 32;
    // true: padding applies to each sequence's context (paged: vLLM, TensorRT-LLM);
    // false: to the whole cache (llama.cpp's one unified buffer).
    bool padPerSequence = false;
    int64_t microBatch = 512; // llama.cpp's SWA cache keeps window + n_ubatch cells
    int tensorParallel = 1;   // KV heads are split over GPUs (MLA's latent is replicated)
};

struct KvBreakdown {
    int64_t cells = 0; // full-attention cells
    uint64_t kBytes = 0;
    uint64_t vBytes = 0;
    uint64_t total() const { return kBytes + vBytes; }
};

// Throws ql::Error when a head is not a whole number of blocks of a block type, as
// llama.cpp asserts (GGML_ASSERT(n_embd_head_k % ggml_blck_size(type_k) == 0)).
KvBreakdown kvCacheBytes(const AttentionShape& attention, const KvOptions& options);
int64_t kvCells(const KvOptions& options);
// Bytes of `values` values of a KV type; the name of the allowed types for errors.
uint64_t kvRowBytes(WeightFormat type, int64_t values);
bool isKvType(WeightFormat type);

} // namespace ql::fit
