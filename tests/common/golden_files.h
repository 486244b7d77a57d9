#pragma once
// Reading the raw golden files of ../shared/data/golden/quant. A missing or unreadable
// file throws, so a golden test can never pass by comparing against nothing.
#include <cstdint>
#include <filesystem>
#include <vector>

namespace ql::test {

std::vector<char> readBytes(const std::filesystem::path& path);
std::vector<float> readFloats(const std::filesystem::path& path); // little-endian f32

// The inputs of golden/quant (NAME.f32, with NAME.TYPE.bin per type ggml wrote). The real
// stories260K matrices are 64 wide; ggml writes their K-quant goldens only for the
// flat256 reshapes, since it refuses rows shorter than 256.
struct GoldenInput {
    const char* name;
    int64_t rows, cols;
};
const std::vector<GoldenInput>& quantGoldenInputs();

} // namespace ql::test
