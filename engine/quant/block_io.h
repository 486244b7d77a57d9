#pragma once
// Reading ggml blocks out of mapped bytes. Blocks are copied out rather than cast in
// place: mapped file bytes carry no alignment or lifetime guarantees a cast would need.
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace ql {

template <typename Block> Block loadBlock(const std::byte* src, int64_t i) {
    Block b;
    std::memcpy(&b, src + i * int64_t(sizeof(Block)), sizeof(Block));
    return b;
}

} // namespace ql
