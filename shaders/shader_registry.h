#pragma once
// SPIR-V of every shader in shaders/, embedded at build time.
#include <cstdint>
#include <span>
#include <string_view>

namespace ql::shaders {
// Empty span for an unknown name. Names are the .comp file names without extension.
std::span<const uint32_t> spirv(std::string_view name);
// The words of a `const uint QL_NAME[...]` table or `const uint QL_NAME` constant of
// code_books.glsl / group_quant.glsl, as the shaders see them; empty for an unknown name.
std::span<const uint32_t> mirroredTable(std::string_view name);
} // namespace ql::shaders
