#pragma once
// Guard words written around each output region before a dispatch: a kernel that writes
// out of bounds changes them, and that is reported instead of returning corrupted codes.
#include <cstdint>

namespace ql::vk {

constexpr uint32_t kGuardPattern = 0xDEADBEEFu;

inline void fillGuardWords(void* base, uint64_t firstWord, uint64_t count) {
    auto* words = static_cast<uint32_t*>(base) + firstWord;
    for (uint64_t i = 0; i < count; ++i)
        words[i] = kGuardPattern;
}

inline bool guardWordsIntact(const void* base, uint64_t firstWord, uint64_t count) {
    const auto* words = static_cast<const uint32_t*>(base) + firstWord;
    for (uint64_t i = 0; i < count; ++i)
        if (words[i] != kGuardPattern)
            return false;
    return true;
}

} // namespace ql::vk
