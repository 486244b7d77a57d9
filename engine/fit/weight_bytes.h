#pragma once
// Weight memory of a model in a given format: codes, quantization metadata (scales,
// zero points, super-block headers) and the tensors that stay unquantized.
#include "engine/fit/model_shape.h"
#include "engine/quant/llama_presets.h"

namespace ql::fit {

struct WeightPolicy {
    // Format of the Linear tensors; nullopt = as stored: a model file's own types, or a
    // config.json checkpoint's declared quantization (ModelShape::checkpoint), else
    // `unquantized` for everything.
    std::optional<WeightFormat> format;
    // Embedding, output, router and (for non-ggml formats) vectors. Config.json models
    // ship in bf16; a shape from a file keeps its stored bytes for these tensors.
    WeightFormat unquantized = WeightFormat::BF16;
    bool quantizeEmbedding = false;
    bool quantizeOutput = false;
    // A llama-quantize file type instead of `format`: each tensor in the type
    // llama-quantize gives it (preset_weights.h).
    std::optional<LlamaPreset> preset;
    // As llama-quantize does: a ggml block type that does not fit a row falls back
    // (ggufFallback); otherwise such a tensor is an error.
    bool allowFallback = true;
};

struct WeightBreakdown {
    uint64_t codes = 0;       // quantized codes alone (n x code bits / 8)
    uint64_t metadata = 0;    // scales, mins, super-block scales of quantized tensors
    uint64_t unquantized = 0; // tensors kept in float (embeddings, norms, output, router)
    int64_t parameters = 0;
    int64_t quantizedParameters = 0;
    uint64_t total() const { return codes + metadata + unquantized; }
    double bitsPerWeight() const {
        return parameters ? 8.0 * double(total()) / double(parameters) : 0;
    }
};

WeightBreakdown weightBytes(const ModelShape& shape, const WeightPolicy& policy);

// Adds `parameters` weights stored in `bytes` of `format` to w: codes and metadata when
// the format quantizes, unquantized bytes when it is a float.
void addWeights(WeightBreakdown& w, int64_t parameters, WeightFormat format, uint64_t bytes);

// The policy a name stands for: a llama-quantize file type in its own spelling ("Q4_K_M",
// "Q4_0": its per-tensor types), else a format ("q4_0", "int8": the linear layers in it),
// else a file type in any case ("q4_k_m"). nullopt for none.
std::optional<WeightPolicy> weightPolicyNamed(std::string_view name);

} // namespace ql::fit
