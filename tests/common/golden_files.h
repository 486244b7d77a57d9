#pragma once
// Reading the raw golden files of ../shared/data/golden/quant. A missing or unreadable
// file throws, so a golden test can never pass by comparing against nothing.
#include <filesystem>
#include <vector>

namespace ql::test {

std::vector<char> readBytes(const std::filesystem::path& path);
std::vector<float> readFloats(const std::filesystem::path& path); // little-endian f32

} // namespace ql::test
