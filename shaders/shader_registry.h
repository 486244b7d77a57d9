#pragma once
// SPIR-V of every shader in shaders/, embedded at build time.
#include <cstdint>
#include <span>
#include <string_view>

namespace ql::shaders {
// Empty span for an unknown name. Names are the .comp file names without extension.
std::span<const uint32_t> spirv(std::string_view name);
} // namespace ql::shaders
