#pragma once
// Weights under a llama-quantize file type ("Q4_K_M"): each tensor in the type
// llama-quantize gives it (engine/quant/llama_presets.h), so that a preset's size is the
// size of the GGUF llama-quantize writes. A config.json's groups are laid out layer by
// layer under their GGUF names (layers.*.self_attn.v_proj -> blk.N.attn_v.weight), since
// the rules depend on the layer; a model file's tensors are taken as they are.
#include "engine/fit/weight_bytes.h"
#include "engine/quant/llama_presets.h"

namespace ql::fit {

// Throws ql::Error for a config whose groups cannot be placed on layers (a group that
// covers only some of them, as DeepSeek's dense first layers do).
WeightBreakdown presetWeightBytes(const ModelShape& shape, LlamaPreset preset);

} // namespace ql::fit
