#pragma once
// safetensors reader: one file, or shards listed by model.safetensors.index.json, with
// config.json beside them. F32, F16 and BF16 tensors; other dtypes are refused by name.
#include "engine/model/model.h"

#include <filesystem>
#include <memory>

namespace ql {

std::unique_ptr<Model> readSafetensors(const std::filesystem::path& file);
std::unique_ptr<Model> readSafetensorsIndex(const std::filesystem::path& indexJson);

} // namespace ql
