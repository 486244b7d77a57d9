#pragma once
// ModelConfig from what a file says: GGUF's "<arch>.*" keys or a Hugging Face
// config.json. Fields the source does not give stay 0 (or are derived, as noted).
#include "engine/model/model.h"

#include <nlohmann/json_fwd.hpp>

namespace ql {

ModelConfig configFromGguf(const Metadata& meta, const std::vector<TensorInfo>& tensors);
ModelConfig configFromHfJson(const nlohmann::json& config, const std::vector<TensorInfo>& tensors);

} // namespace ql
