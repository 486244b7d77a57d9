#include "engine/compute/vulkan/row_chunking.h"

#include <algorithm>

namespace ql::vk {

uint64_t int8InputBytes(int64_t rows, int64_t cols) {
    return uint64_t(rows) * uint64_t(cols) * 4;
}

uint64_t int8CodeBytes(int64_t rows, int64_t cols) {
    return guardedBytes(uint64_t(rows) * codeWordsPerRow(cols));
}

uint64_t int8ScaleBytes(int64_t rows, int64_t groupsPerRow) {
    return (uint64_t(rows) * uint64_t(groupsPerRow) + 2 * kGuardWords) * 4;
}

int64_t largestFittingRows(int64_t rows, const std::function<bool(int64_t)>& fits) {
    int64_t lo = 0, hi = rows; // fits(lo) holds (or lo is 0); the answer lies in [lo, hi]
    while (lo < hi) {
        const int64_t mid = lo + (hi - lo + 1) / 2;
        if (fits(mid))
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

RowChunking planInt8Chunks(int64_t rows, int64_t cols, const DispatchLimits& limits,
                           int64_t groupsPerRow) {
    if (rows <= 0 || cols <= 0)
        return {0, "empty tensor"};
    const uint64_t cap = limits.maxBufferBytes;
    const uint64_t guardBytes = 2 * kGuardWords * 4;
    const uint64_t room = cap > guardBytes ? cap - guardBytes : 0; // for outputs
    const uint64_t fit =
        std::min({cap / int8InputBytes(1, cols), room / (int8CodeBytes(1, cols) - guardBytes),
                  room / (int8ScaleBytes(1, groupsPerRow) - guardBytes)});
    if (fit == 0)
        return rowTooWide(cols, cap);
    return {int64_t(std::min({fit, limits.maxRows, uint64_t(rows)})), {}};
}

RowChunking rowTooWide(int64_t cols, uint64_t cap) {
    return {0, "a row of " + std::to_string(cols) + " floats (" + std::to_string(cols * 4) +
                   " bytes) exceeds the device's buffer limit of " + std::to_string(cap) +
                   " bytes"};
}

} // namespace ql::vk
