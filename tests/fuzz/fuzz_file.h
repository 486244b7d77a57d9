#pragma once
// Shared by the fuzz targets: the readers take paths (they memory-map their input), so
// each input is written to a file in a folder of this process's own, removed at exit.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace ql::fuzz {

// A fresh per-process folder (created on first use) holding nothing but `name`.
const std::filesystem::path& scratchDir();
// Writes the bytes to scratchDir() / name and returns that path.
std::filesystem::path writeInput(const std::string& name, const uint8_t* data, size_t size);
// With QL_FUZZ_PRINT set, prints "error: ..." or "ok" per input: to see what a seed or a
// reproducer does (fuzz_gguf -runs=0 FILE).
void report(const char* message);

// Tensors whose float32 copy would be larger than this are not read: readF32 allocates
// elements * 4 bytes by design, and the size comes from a shape the reader has already
// checked against the bytes in the file.
inline constexpr int64_t kMaxReadElements = int64_t(1) << 24;

} // namespace ql::fuzz
