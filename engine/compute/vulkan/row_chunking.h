#pragma once
// How many rows one dispatch of a row-wise kernel may take: a dispatch runs one
// workgroup per row (maxComputeWorkGroupCount[0]) and binds buffers no larger than
// maxStorageBufferRange and maxMemoryAllocationSize. Larger tensors run as several
// dispatches over consecutive row ranges. Pure arithmetic, so it is tested without a device.
#include <cstdint>
#include <functional>
#include <string>

namespace ql::vk {

struct DispatchLimits {
    uint64_t maxRows = 65535;               // workgroups per dispatch along x
    uint64_t maxBufferBytes = 128ull << 20; // per bound buffer
    // What a kernel that keeps a whole tensor on the device (HQQ's rounds) may hold at once.
    uint64_t maxResidentBytes = UINT64_MAX;
};

// Words of guard before and after each output region (see quantize_vulkan.cpp).
constexpr uint64_t kGuardWords = 16;

constexpr uint64_t ceilDiv(uint64_t a, uint64_t b) {
    return (a + b - 1) / b;
}

// Bytes of an output region of `words` words with its guards on both sides.
constexpr uint64_t guardedBytes(uint64_t words) {
    return (words + 2 * kGuardWords) * 4;
}

// Words of one row of `cols` 8-bit codes, packed four per word.
constexpr uint64_t codeWordsPerRow(int64_t cols) {
    return ceilDiv(uint64_t(cols), 4);
}

struct RowChunking {
    int64_t rowsPerChunk = 0; // 0: not even one row fits
    std::string whyNot;       // set when rowsPerChunk is 0
};

// Buffers for one chunk of a row-wise RTN dispatch (INT8 per-channel, INT4 g128): input
// floats, packed codes (four per word, rows padded to whole words) and groupsPerRow
// scales per row, outputs with guards.
uint64_t int8InputBytes(int64_t rows, int64_t cols);
uint64_t int8CodeBytes(int64_t rows, int64_t cols);
uint64_t int8ScaleBytes(int64_t rows, int64_t groupsPerRow = 1);

// The most rows (at most `rows`) for which fits(n) holds, for a predicate that is true for
// every n below a threshold and false above it (buffer sizes and workgroup counts grow
// with n). 0 when not even one row fits.
int64_t largestFittingRows(int64_t rows, const std::function<bool(int64_t)>& fits);

// The plan when not one row of `cols` f32 values fits under a buffer limit of `cap` bytes,
// with the reason the backend reports.
RowChunking rowTooWide(int64_t cols, uint64_t cap);

RowChunking planInt8Chunks(int64_t rows, int64_t cols, const DispatchLimits& limits,
                           int64_t groupsPerRow = 1);

} // namespace ql::vk
