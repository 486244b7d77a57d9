#pragma once
// GGUF (v2 and v3) reader: metadata of every value type, tensor infos, alignment, and
// tensor data as zero-copy views into the memory map. Bad files end in ql::Error.
#include "engine/model/model.h"

#include <filesystem>
#include <memory>

namespace ql {

inline constexpr uint32_t kGgufMagic = 0x46554747; // "GGUF" read as little-endian uint32
inline constexpr uint32_t kGgufDefaultAlignment = 32;

std::unique_ptr<Model> readGguf(const std::filesystem::path& path);

} // namespace ql
