#pragma once
// Parameter counting from a Hugging Face config.json: every weight tensor the
// architecture creates, grouped, with the role that decides its format. Supported:
// llama, mistral, qwen2, qwen3 (dense); mixtral, qwen2_moe, qwen3_moe (experts, shared
// experts); deepseek_v3 / deepseek_v2 (MLA attention, routed + shared experts,
// first_k_dense_replace, MTP module counted separately); gpt_oss (biases, sinks,
// experts, sliding-window layers). Others with the llama layout are read as llama.
#include "engine/fit/model_shape.h"

#include <filesystem>
#include <nlohmann/json_fwd.hpp>

namespace ql::fit {

// Throws ql::Error naming the missing or malformed key.
ModelShape shapeFromHfConfig(const nlohmann::json& config, const std::string& name = "");
ModelShape shapeFromHfConfigFile(const std::filesystem::path& path);

// True for a JSON object that looks like a model config.json (has hidden_size or
// model_type), as opposed to a safetensors index.
bool looksLikeHfConfig(const nlohmann::json& j);

} // namespace ql::fit
