#include "engine/compute/vulkan/group_kernel.h"

#include "engine/compute/vulkan/guard_words.h"
#include "engine/compute/vulkan/quantize_vulkan.h"
#include "engine/core/error.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

namespace ql::vk {
namespace {

struct GroupPush { // mirrors Push in quantize_groups.comp
    uint32_t rows, cols, wordsPerRow, codeBase, scaleBase, zeroBase, groupLen, groupsPerRow, scheme,
        bits;
    int32_t qmax;
    uint32_t perTensor, statsBase, storeZeros;
};

struct Fp8TensorPush { // mirrors Params in quantize_fp8_tensor.comp
    uint32_t rows, cols, rowWords, outBase, kind, statsBase;
};

struct StatsPush { // mirrors Push in tensor_stats.comp
    uint32_t count, statsBase;
};

constexpr uint64_t kStatsWords = 4;             // |min|, max, absmax, unused
constexpr uint64_t kStatsValuesPerGroup = 4096; // PER_GROUP in tensor_stats.comp

bool isFp8Tensor(QuantFormat format) {
    return format == QuantFormat::Fp8E4M3Tensor || format == QuantFormat::Fp8E5M2Tensor;
}

// Output words per row: packed codes, plus the scale word in front for FP8 rows.
uint64_t outputRowWords(QuantFormat format, int64_t cols) {
    return codeWordsPerRow(cols) + (isFp8Tensor(format) ? 1 : 0);
}

// Scale (and zero-point) words per row in the params buffer; FP8 keeps its scale in the row.
uint64_t paramWordsPerRow(QuantFormat format, int64_t cols) {
    if (isFp8Tensor(format))
        return 0;
    const uint64_t groups = uint64_t(groupsPerRow(format, cols));
    return quantFormatInfo(format).zeroBits > 0 ? 2 * groups : groups;
}

} // namespace

GroupScheme groupScheme(QuantScheme scheme) {
    switch (scheme) {
    case QuantScheme::SymAbsmax:
        return GroupScheme::SymAbsmax;
    case QuantScheme::SymHalfRange:
        return GroupScheme::SymHalfRange;
    case QuantScheme::SymGptq:
        return GroupScheme::SymGptq;
    case QuantScheme::Asym:
        return GroupScheme::Asym;
    case QuantScheme::Nf4:
        return GroupScheme::Nf4;
    case QuantScheme::Fp4:
        return GroupScheme::Fp4;
    }
    throw Error("vulkan: a quantization scheme quantize_groups.comp does not know");
}

GroupQuantKernel::GroupQuantKernel(Device& device)
    : m_device(device)
    , m_groups(device, groupShader(device, "quantize_groups"), 4, sizeof(GroupPush))
    , m_fp8Tensor(device, "quantize_fp8_tensor", 3, sizeof(Fp8TensorPush))
    , m_stats(device, "tensor_stats", 2, sizeof(StatsPush)) {}

bool GroupQuantKernel::handles(QuantFormat format) {
    const auto& info = quantFormatInfo(format);
    if (info.method != "rtn")
        return false; // searched or solved formats (K-quants, HQQ, ...) are not plain RTN
    if (info.kind == QuantKind::Block)
        return isFp8Tensor(format) && info.perTensor && info.rowHeaderBytes == 4 &&
               info.bytesPerCode == 1;
    if (RtnRowwiseKernel::handles(format))
        return false; // the per-row symmetric kernel takes those
    // Codes are packed four per word, so a group must start on a multiple of four columns.
    const bool grouping = info.groupSize == 0 || info.groupSize % 4 == 0;
    const bool contract = info.scheme != QuantScheme::SymAbsmax ||
                          info.qmax == (1 << (info.bits - 1)) - 1; // formats.glsl's grid
    return info.bits >= 2 && info.bits <= 8 && grouping && contract;
}

RowChunking GroupQuantKernel::plan(QuantFormat format, int64_t rows, int64_t cols,
                                   const DispatchLimits& limits) {
    if (rows <= 0 || cols <= 0)
        return {0, "empty tensor"};
    const uint64_t cap = limits.maxBufferBytes;
    const auto fits = [&](int64_t n) {
        const uint64_t values = uint64_t(n) * uint64_t(cols);
        return values * 4 <= cap &&
               guardedBytes(uint64_t(n) * outputRowWords(format, cols)) <= cap &&
               guardedBytes(uint64_t(n) * paramWordsPerRow(format, cols)) <= cap &&
               uint64_t(n) <= limits.maxRows &&
               ceilDiv(values, kStatsValuesPerGroup) <= limits.maxRows;
    };
    const int64_t n = largestFittingRows(rows, fits);
    if (n == 0)
        return rowTooWide(cols, cap);
    return {n, {}};
}

// Buffers grow to the largest chunk seen and are reused by later tensors.
void GroupQuantKernel::reserve(QuantFormat format, int64_t chunkRows, int64_t cols) {
    bool changed = false;
    auto ensure = [&](auto& buffer, uint64_t bytes, HostBuffer::Use use) {
        changed |= growBuffer(m_device, buffer, bytes, use);
    };
    const uint64_t n = uint64_t(chunkRows);
    ensure(m_src, std::max<uint64_t>(n * uint64_t(cols) * 4, 4), HostBuffer::Use::Upload);
    ensure(m_codes, guardedBytes(n * outputRowWords(format, cols)), HostBuffer::Use::Readback);
    ensure(m_params, guardedBytes(n * paramWordsPerRow(format, cols)), HostBuffer::Use::Readback);
    ensure(m_tensorStats, guardedBytes(kStatsWords), HostBuffer::Use::Readback);
    if (!changed)
        return;
    const std::array groups{m_src->handle(), m_codes->handle(), m_params->handle(),
                            m_tensorStats->handle()};
    m_groups.bindBuffers(groups);
    const std::array fp8{m_src->handle(), m_codes->handle(), m_tensorStats->handle()};
    m_fp8Tensor.bindBuffers(fp8);
    const std::array stats{m_src->handle(), m_tensorStats->handle()};
    m_stats.bindBuffers(stats);
}

int GroupQuantKernel::run(QuantFormat format, std::span<const float> src, int64_t rows,
                          int64_t cols, const DispatchLimits& limits, QuantizedTensor& out,
                          MeasureTarget measure) {
    if (!handles(format))
        throw Error("vulkan: quantize_groups called for " +
                    std::string(quantFormatInfo(format).name));
    out.resize(format, rows, cols);
    const int64_t chunkRows = plan(format, rows, cols, limits).rowsPerChunk;
    if (chunkRows <= 0)
        throw Error("vulkan: quantize_groups called for a shape it does not support");
    reserve(format, chunkRows, cols);
    std::vector<Chunk> chunks;
    for (int64_t begin = 0; begin < rows; begin += chunkRows)
        chunks.push_back({begin, std::min(chunkRows, rows - begin)});

    // Per-tensor formats: the whole tensor's range first, over every chunk, on the device.
    // A tensor that fits one chunk does both passes in one submission.
    const bool perTensor = quantFormatInfo(format).perTensor;
    const bool statsWithQuantize = perTensor && chunks.size() == 1;
    int dispatches = 0;
    if (perTensor) {
        resetTensorStats();
        for (const Chunk& chunk : chunks) {
            if (statsWithQuantize)
                break;
            upload(src.data(), chunk, cols);
            Device::Submission stats;
            stats.upload = [&](VkCommandBuffer c) { recordUploads(c, format, chunk, cols, false); };
            stats.kernel = [&](VkCommandBuffer c) { recordStats(c, chunk, cols); };
            if (!m_src->staged())
                stats.upload = nullptr;
            m_device.submitAndWait(stats);
            ++dispatches;
        }
    }
    for (const Chunk& chunk : chunks) {
        upload(src.data(), chunk, cols);
        fillGuards(format, chunk, cols);
        Device::Submission submission;
        submission.upload = [&](VkCommandBuffer c) { recordUploads(c, format, chunk, cols, true); };
        submission.kernel = [&](VkCommandBuffer c) {
            if (statsWithQuantize)
                recordStats(c, chunk, cols);
            recordQuantize(c, format, chunk, cols, measure);
        };
        submission.download = [&](VkCommandBuffer c) { recordDownloads(c, format, chunk, cols); };
        if (!m_src->staged())
            submission.upload = submission.download = nullptr; // the shaders use host memory
        m_device.submitAndWait(submission);
        dispatches += statsWithQuantize ? 2 : 1;
        checkGuards(format, chunk, cols);
        if (measure.kernel)
            measure.kernel->collect(*measure.sums);
        unpack(format, chunk, cols, out);
    }
    finishDoubleQuant(out); // nf4-dq / fp4-dq: on the host (kernel_choice.cpp says why)
    return dispatches;
}

void GroupQuantKernel::upload(const float* src, const Chunk& chunk, int64_t cols) {
    std::memcpy(m_src->data(), src + chunk.rowBegin * cols,
                size_t(chunk.rows * cols) * sizeof(float));
}

void GroupQuantKernel::recordUploads(VkCommandBuffer commands, QuantFormat format,
                                     const Chunk& chunk, int64_t cols, bool outputs) const {
    m_src->recordUpload(commands, 0, uint64_t(chunk.rows) * uint64_t(cols) * 4);
    if (!outputs)
        return;
    const uint64_t guardBytes = kGuardWords * 4; // the guard words, not the outputs
    const uint64_t codeWords = uint64_t(chunk.rows) * outputRowWords(format, cols);
    const uint64_t paramWords = uint64_t(chunk.rows) * paramWordsPerRow(format, cols);
    m_codes->recordUpload(commands, 0, guardBytes);
    m_codes->recordUpload(commands, (kGuardWords + codeWords) * 4, guardBytes);
    m_params->recordUpload(commands, 0, guardBytes);
    m_params->recordUpload(commands, (kGuardWords + paramWords) * 4, guardBytes);
}

void GroupQuantKernel::recordDownloads(VkCommandBuffer commands, QuantFormat format,
                                       const Chunk& chunk, int64_t cols) const {
    m_codes->recordDownload(commands, 0,
                            guardedBytes(uint64_t(chunk.rows) * outputRowWords(format, cols)));
    m_params->recordDownload(commands, 0,
                             guardedBytes(uint64_t(chunk.rows) * paramWordsPerRow(format, cols)));
}

void GroupQuantKernel::resetTensorStats() {
    fillGuardWords(m_tensorStats->data(), 0, kGuardWords);
    std::memset(static_cast<uint32_t*>(m_tensorStats->data()) + kGuardWords, 0, kStatsWords * 4);
    fillGuardWords(m_tensorStats->data(), kGuardWords + kStatsWords, kGuardWords);
}

void GroupQuantKernel::recordStats(VkCommandBuffer commands, const Chunk& chunk, int64_t cols) {
    const uint64_t values = uint64_t(chunk.rows) * uint64_t(cols);
    const StatsPush push{uint32_t(values), uint32_t(kGuardWords)};
    m_stats.recordDispatch(commands, &push, uint32_t(ceilDiv(values, kStatsValuesPerGroup)));
}

void GroupQuantKernel::recordQuantize(VkCommandBuffer commands, QuantFormat format,
                                      const Chunk& chunk, int64_t cols, MeasureTarget measure) {
    const auto& info = quantFormatInfo(format);
    const auto rows = uint32_t(chunk.rows);
    if (isFp8Tensor(format)) {
        const Fp8TensorPush push{rows,
                                 uint32_t(cols),
                                 uint32_t(outputRowWords(format, cols)),
                                 uint32_t(kGuardWords),
                                 format == QuantFormat::Fp8E4M3Tensor ? 0u : 1u,
                                 uint32_t(kGuardWords)};
        m_fp8Tensor.recordDispatch(commands, &push, rows);
    } else {
        const auto groups = uint32_t(groupsPerRow(format, cols));
        GroupPush push{};
        push.rows = rows;
        push.cols = uint32_t(cols);
        push.wordsPerRow = uint32_t(codeWordsPerRow(cols));
        push.codeBase = uint32_t(kGuardWords);
        push.scaleBase = uint32_t(kGuardWords);
        push.zeroBase = uint32_t(kGuardWords) + rows * groups;
        push.groupLen = uint32_t(info.groupSize == 0 ? cols : info.groupSize);
        push.groupsPerRow = groups;
        push.scheme = uint32_t(groupScheme(info.scheme));
        push.bits = uint32_t(info.bits);
        push.qmax = info.qmax;
        push.perTensor = info.perTensor ? 1 : 0;
        push.statsBase = uint32_t(kGuardWords);
        push.storeZeros = info.zeroBits > 0 ? 1 : 0;
        m_groups.recordDispatch(commands, &push, rows);
    }
    if (measure.kernel)
        measure.kernel->record(commands, format, chunk.rows, cols, m_src->handle(),
                               m_codes->handle(),
                               isFp8Tensor(format) ? m_codes->handle() : m_params->handle());
}

void GroupQuantKernel::fillGuards(QuantFormat format, const Chunk& chunk, int64_t cols) {
    const uint64_t codeWords = uint64_t(chunk.rows) * outputRowWords(format, cols);
    const uint64_t paramWords = uint64_t(chunk.rows) * paramWordsPerRow(format, cols);
    fillGuardWords(m_codes->data(), 0, kGuardWords);
    fillGuardWords(m_codes->data(), kGuardWords + codeWords, kGuardWords);
    fillGuardWords(m_params->data(), 0, kGuardWords);
    fillGuardWords(m_params->data(), kGuardWords + paramWords, kGuardWords);
}

void GroupQuantKernel::checkGuards(QuantFormat format, const Chunk& chunk, int64_t cols) const {
    const uint64_t codeWords = uint64_t(chunk.rows) * outputRowWords(format, cols);
    const uint64_t paramWords = uint64_t(chunk.rows) * paramWordsPerRow(format, cols);
    // The range words are written (and their guards filled) for per-tensor formats only.
    const bool statsIntact =
        !quantFormatInfo(format).perTensor ||
        (guardWordsIntact(m_tensorStats->data(), 0, kGuardWords) &&
         guardWordsIntact(m_tensorStats->data(), kGuardWords + kStatsWords, kGuardWords));
    const bool intact = guardWordsIntact(m_codes->data(), 0, kGuardWords) &&
                        guardWordsIntact(m_codes->data(), kGuardWords + codeWords, kGuardWords) &&
                        guardWordsIntact(m_params->data(), 0, kGuardWords) &&
                        guardWordsIntact(m_params->data(), kGuardWords + paramWords, kGuardWords) &&
                        statsIntact;
    if (!intact)
        throw Error("vulkan: " +
                    std::string(isFp8Tensor(format) ? "quantize_fp8_tensor" : "quantize_groups") +
                    " wrote outside its output (guard words changed); the result was discarded");
}

void GroupQuantKernel::unpack(QuantFormat format, const Chunk& chunk, int64_t cols,
                              QuantizedTensor& out) const {
    const auto* words = static_cast<const uint32_t*>(m_codes->data()) + kGuardWords;
    const uint64_t rowWords = outputRowWords(format, cols);
    if (isFp8Tensor(format)) { // the row's scale word, then its codes
        const uint64_t rowBytes = packedRowBytes(format, cols);
        for (int64_t r = 0; r < chunk.rows; ++r)
            std::memcpy(out.packed.data() + size_t(chunk.rowBegin + r) * rowBytes,
                        words + uint64_t(r) * rowWords, size_t(rowBytes));
        return;
    }
    for (int64_t r = 0; r < chunk.rows; ++r) // little-endian bytes are the codes in order
        std::memcpy(out.codes.data() + (chunk.rowBegin + r) * cols, words + uint64_t(r) * rowWords,
                    size_t(cols));
    const int64_t groups = groupsPerRow(format, cols);
    const size_t count = size_t(chunk.rows * groups);
    const auto* params = static_cast<const float*>(m_params->data()) + kGuardWords;
    std::memcpy(out.scales.data() + chunk.rowBegin * groups, params, count * sizeof(float));
    if (!out.zeros.empty())
        std::memcpy(out.zeros.data() + chunk.rowBegin * groups, params + count,
                    count * sizeof(float));
}

} // namespace ql::vk
