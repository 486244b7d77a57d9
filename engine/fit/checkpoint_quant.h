#pragma once
// The quantization a Hugging Face checkpoint declares, read from its config.json
// ("quantization_config": quant_method fp8 with or without weight_block_size, mxfp4)
// or from ModelOpt's hf_quant_config.json beside it (quant_algo FP8,
// kv_cache_quant_algo, exclude_modules). Methods the fit model has no format for are
// returned without one, so that the caller can say so instead of sizing them silently.
#include "engine/fit/model_shape.h"

#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string_view>

namespace ql::fit {

// From config.json's "quantization_config"; nullopt when it has none. Throws
// ql::JsonValueError naming the key for a malformed one.
std::optional<CheckpointQuantization> quantizationFromConfig(const nlohmann::json& config);

// From a ModelOpt hf_quant_config.json's content; `source` names the file.
CheckpointQuantization quantizationFromModelOpt(const nlohmann::json& hfQuantConfig,
                                                const std::string& source);

// The hf_quant_config.json that belongs to a config file: "hf_quant_config.json" beside
// "config.json", and "<prefix>hf_quant_config.json" beside "<prefix>config.json" (a pair
// saved under the model's name).
std::filesystem::path modelOptConfigBeside(const std::filesystem::path& configJson);

// Whether a tensor group ("layers.*.self_attn.q_proj") is one of the modules the
// checkpoint leaves unquantized. Patterns are module paths with '*' for any run of
// characters, matching the module or any module under it; a leading "model." is dropped.
bool keptByCheckpoint(const CheckpointQuantization& q, std::string_view group);
// One such pattern against one group.
bool moduleMatches(std::string_view pattern, std::string_view group);

} // namespace ql::fit
