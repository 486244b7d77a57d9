#include "engine/compute/vulkan/kquant_kernel.h"

#include "engine/compute/backend.h"
#include "engine/quant/kquant_encode.h"

#include <cstring>
#include <span>

namespace ql::vk {
namespace {

constexpr uint64_t kValues = 256;       // QL_QK_K
constexpr uint64_t kBlockBytes = 210;   // QL_BLOCK_Q6_K_BYTES
constexpr uint64_t kBlocksPerGroup = 4; // SUPERS in quantize_q6_k.comp

struct Q6Push { // mirrors Params in quantize_q6_k.comp
    uint32_t count, outBase, flagBase, pad;
};

uint64_t ceilDiv(uint64_t a, uint64_t b) {
    return (a + b - 1) / b;
}

uint64_t blockWords(uint64_t superBlocks) {
    return ceilDiv(superBlocks * kBlockBytes, 4);
}

} // namespace

Q6KKernel::Q6KKernel(Device& device)
    : StagedKernel(device, "quantize_q6_k", sizeof(Q6Push)) {}

// Only ggml's own Q6_K encoder: another format storing Q6_K bytes chosen another way
// (a different search) must not land here.
bool Q6KKernel::handles(QuantFormat format) const {
    const auto& info = quantFormatInfo(format);
    return format == QuantFormat::Q6_K && info.kind == QuantKind::Block &&
           info.storage == DType::Q6_K && info.method == "ggml-kquant";
}

uint64_t Q6KKernel::outputWords(uint64_t superBlocks) {
    return blockWords(superBlocks) + ceilDiv(superBlocks, kBlocksPerGroup);
}

RowChunking Q6KKernel::plan(QuantFormat, int64_t rows, int64_t cols,
                            const DispatchLimits& limits) const {
    if (uint64_t(cols) % kValues != 0)
        return {0, "a row of " + std::to_string(cols) + " values is not a whole number of " +
                       "256-value super-blocks (the job stores such tensors in the fallback " +
                       "format)"};
    const uint64_t perRow = uint64_t(cols) / kValues;
    return planRows(
        rows, cols, limits, [&](int64_t n) { return outputWords(uint64_t(n) * perRow); },
        [&](int64_t n) { return ceilDiv(uint64_t(n) * perRow, kBlocksPerGroup); });
}

void Q6KKernel::runChunk(QuantFormat format, const float* src, int64_t rowBegin, int64_t chunkRows,
                         int64_t cols, QuantizedTensor& out) {
    if (rowBegin == 0)
        m_hostBlocks = 0;
    const uint64_t blocks = uint64_t(chunkRows) * uint64_t(cols) / kValues;
    const Q6Push push{uint32_t(blocks), uint32_t(kGuardWords), uint32_t(blockWords(blocks)), 0};
    const auto groups = uint32_t(ceilDiv(blocks, kBlocksPerGroup));
    const uint32_t* result =
        dispatch(format, chunkRows, cols, src, outputWords(blocks), &push, groups);
    std::byte* dst = out.packed.data() + size_t(rowBegin) * packedRowBytes(format, cols);
    std::memcpy(dst, result, size_t(blocks * kBlockBytes));
    const uint32_t* flags = result + blockWords(blocks);
    uint64_t redone = 0;
    for (uint64_t b = 0; b < blocks; ++b) {
        if (!(flags[b / kBlocksPerGroup] >> (b % kBlocksPerGroup) & 1u))
            continue;
        quantizeRowQ6_K(src + b * kValues, dst + b * kBlockBytes, int64_t(kValues), nullptr);
        ++redone;
    }
    m_hostBlocks += redone;
    if (redone > 0 && measuring()) { // the device measured its own bytes for those blocks
        QuantizedTensor chunk;
        chunk.resize(format, chunkRows, cols);
        std::memcpy(chunk.packed.data(), dst, size_t(blocks * kBlockBytes));
        const size_t values = size_t(chunkRows) * size_t(cols);
        replaceChunkSums(errorSumsOnHost(std::span<const float>(src, values), chunk));
    }
}

} // namespace ql::vk
