#pragma once
// llama-quantize's file types (its "Q4_K_M" argument): a default ggml type and the rules
// by which some tensors get another (llama_tensor_get_type in src/llama-quant.cpp, early
// 2025, the build the goldens come from). Q4_K_M, for one, keeps output.weight in Q6_K
// and gives attn_v and ffn_down Q6_K in the first and the last eighth of the layers and
// in every third layer between; Q4_0 keeps output.weight in Q6_K. A Quantlens format (`--format
// q4_0`) is llama-quantize's --pure; a preset (`--preset Q4_0`) is what llama-quantize writes
// without it. Only the file types whose every rule lands on a type Quantlens encodes are
// here (no IQ1/IQ2/IQ3/IQ4_XS). Q2_K_S, like llama-quantize, takes an importance matrix.
#include "engine/quant/formats.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ql {

enum class LlamaPreset {
    Q4_0,
    Q4_1,
    Q5_0,
    Q5_1,
    Q8_0,
    Q2_K,
    Q2_K_S,
    Q3_K_S,
    Q3_K_M,
    Q3_K_L,
    Q4_K_S,
    Q4_K_M,
    Q5_K_S,
    Q5_K_M,
    Q6_K,
    IQ4_NL,
};

struct LlamaPresetInfo {
    LlamaPreset preset;
    std::string_view name;     // as llama-quantize spells it: "Q4_K_M"
    QuantFormat base;          // llama-quantize's default type for it
    bool needsImatrix = false; // llama-quantize refuses it without one
};

const std::vector<LlamaPresetInfo>& llamaPresets();
const LlamaPresetInfo& llamaPresetInfo(LlamaPreset preset);
// Case-insensitive: "q4_k_m" and "Q4_K_M"; llama-quantize's aliases Q3_K, Q4_K and Q5_K
// are its _M types.
std::optional<LlamaPreset> llamaPresetFromName(std::string_view name);
// Only llama-quantize's own spelling ("Q4_0", not "q4_0"): how a variant made with a
// preset is named, where the lower-case name is the plain format of the same type.
std::optional<LlamaPreset> llamaPresetSpelled(std::string_view name);
// GGUF's architecture for a config's model_type (convert_hf_to_gguf writes Mistral as
// "llama"); others are their own.
std::string llamaCppArchitecture(std::string_view modelType);
std::string llamaPresetNames(); // "Q4_0, Q4_1, ..." for help texts and errors

// The format a variant named `name` was made in: a preset's base format for a preset's
// name (its stored tensors say the rest), else the format of that name.
std::optional<QuantFormat> variantBaseFormat(std::string_view name);

// What the rules read of the model: llama.cpp's hparams and whether an imatrix is given.
struct LlamaModelFacts {
    std::string architecture; // GGUF general.architecture ("llama", "falcon", ...)
    int64_t nLayer = 0, nHead = 0, nHeadKv = 0;
    int64_t nExpert = 0;   // 0 or 1: dense
    bool hasOutput = true; // an output.weight of its own (else token_embd serves as output)
    bool imatrix = false;
};

// One tensor the preset quantizes: its GGUF name and row length (ne[0]).
struct LlamaTensorRef {
    std::string_view name;
    int64_t cols = 0;
};

// The GGUF name convert_hf_to_gguf.py gives a Hugging Face tensor of a llama-family
// model ("model.layers.3.self_attn.v_proj.weight" -> "blk.3.attn_v.weight",
// "lm_head.weight" -> "output.weight"), so that the rules see a safetensors model as
// llama-quantize would see its GGUF; other names are returned as they are.
std::string llamaCppTensorName(std::string_view name);

// The format llama-quantize stores each tensor in, in the order given: the rules run in
// llama.cpp's order (tensors outside blocks first, then block by block, by name) since
// their layer counters depend on it; a type whose block does not divide the row falls
// back as in formats.h (fallbackFormat), F16 when nothing fits. (Stock llama-quantize
// refuses such a row for Q4_0..Q8_0 and IQ4_NL, which have no fallback; the golden files
// come from a build patched to store F16, as Quantlens does.) Tensors must be the ones
// a variant quantizes (isQuantizableWeight).
std::vector<QuantFormat> llamaPresetFormats(LlamaPreset preset, const LlamaModelFacts& facts,
                                            std::span<const LlamaTensorRef> tensors);

} // namespace ql
