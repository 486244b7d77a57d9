#pragma once
// What the fit model needs to know about a model: its weight tensors (grouped, with the
// role that decides whether they are quantized) and the shape of its attention cache.
// Built from a Hugging Face config.json (hf_config.h) or from an opened model file
// (shape_from_model.h).
#include "engine/fit/weight_format.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ql::fit {

// Roles decide the format a tensor gets: Linear weights take the requested format,
// everything else stays unquantized unless the policy says otherwise (weight_bytes.h).
enum class TensorRole {
    Linear,    // projection matrices inside the blocks, experts included
    Embedding, // token embedding table
    Output,    // lm_head / output.weight
    Vector,    // norms, biases, attention sinks, router biases (1-D)
    Router,    // MoE gate (llama-quantize and most recipes keep it unquantized)
};

struct TensorGroup {
    std::string name; // "layers.*.self_attn.q_proj" or a file's tensor name
    TensorRole role = TensorRole::Linear;
    int64_t rows = 0;  // output dimension (1 for vectors)
    int64_t cols = 0;  // contiguous input dimension
    int64_t count = 1; // identical copies: layers x experts
    // Bytes as stored in the file, when the shape came from one (0 = not from a file).
    uint64_t storedBytes = 0;
    std::optional<WeightFormat> storedFormat;

    int64_t parameters() const { return rows * cols * count; }
};

// The KV cache's shape. Standard attention: per layer, K holds nHeadKv x headDimK values
// per cell and V nHeadKv x headDimV. MLA (DeepSeek): one latent of mlaLatentDim values
// per cell and layer (kv_lora_rank + qk_rope_head_dim), no separate V.
struct AttentionShape {
    int64_t nLayer = 0;
    int64_t nHead = 0;
    int64_t nHeadKv = 0;
    int64_t headDimK = 0;
    int64_t headDimV = 0;
    bool mla = false;
    int64_t mlaLatentDim = 0;
    // Per layer: 0 = full attention, w > 0 = sliding window of w tokens. Empty = all full.
    std::vector<int64_t> window;
};

// How a config.json checkpoint ships quantized: its quantization_config, or ModelOpt's
// hf_quant_config.json beside it (checkpoint_quant.h). "As stored" sizes such a
// checkpoint's linear layers in `format`, except the modules in `keep`.
struct CheckpointQuantization {
    std::string method; // as the checkpoint names it: "fp8", "mxfp4", "modelopt FP8"
    std::string source; // the file and key it was read from
    std::optional<WeightFormat> format;  // nullopt: a method the fit model cannot size
    std::vector<std::string> keep;       // module patterns left in the float type ("lm_head")
    std::optional<WeightFormat> kvCache; // the KV cache type it carries scales for
};

struct ModelShape {
    std::string name;
    std::string modelType; // config.json model_type or GGUF architecture
    int64_t nEmbd = 0;
    int64_t nVocab = 0;
    int64_t nFfActive = 0; // feed-forward width one token passes through (for activations)
    AttentionShape attention;
    std::vector<TensorGroup> tensors;
    // Parameters a checkpoint holds that the published size leaves out (DeepSeek-V3's
    // multi-token-prediction module); not in `tensors`, reported for reference.
    int64_t excludedParameters = 0;
    std::string excludedNote;
    // The longest sequence the model was built for (max_position_embeddings, or a GGUF's
    // context_length); 0 = unknown. Runtimes refuse (vLLM) or warn (llama.cpp) beyond it.
    int64_t maxPositions = 0;
    std::optional<CheckpointQuantization> checkpoint;

    int64_t parameters() const;
};

} // namespace ql::fit
