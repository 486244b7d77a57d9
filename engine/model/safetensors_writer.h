#pragma once
// Writes safetensors files, single or sharded with model.safetensors.index.json, for
// tests and fixtures. Tensors are written in the order given, back to back.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace ql {

struct SafetensorsTensor {
    std::string name;
    std::string dtype;          // "F32", "F16", "BF16", or anything for negative tests
    std::vector<int64_t> shape; // outermost first
    std::vector<std::byte> data;
};

// The header is padded with spaces to a multiple of 8 bytes, as the reference writer does.
std::vector<std::byte> safetensorsBytes(const std::vector<SafetensorsTensor>& tensors,
                                        const std::map<std::string, std::string>& metadata = {});
void writeSafetensors(const std::filesystem::path& path,
                      const std::vector<SafetensorsTensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Splits tensors into `shards` files model-0000i-of-0000n.safetensors in `folder`
// (consecutive runs, as transformers does) and writes model.safetensors.index.json.
// Returns the index's path.
std::filesystem::path writeShardedSafetensors(const std::filesystem::path& folder,
                                              const std::vector<SafetensorsTensor>& tensors,
                                              int shards);

} // namespace ql
