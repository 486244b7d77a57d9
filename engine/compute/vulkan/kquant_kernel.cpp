#include "engine/compute/vulkan/kquant_kernel.h"

#include "engine/compute/backend.h"
#include "engine/quant/kquant_encode.h"

#include <algorithm>
#include <cstring>
#include <span>

namespace ql::vk {
namespace {

constexpr uint64_t kValues = 256; // QL_QK_K

struct KQuantPush { // mirrors Params in quantize_q6_k.comp and quantize_k4.comp
    uint32_t count, outBase, flagBase, fiveBits;
};

uint64_t ceilDiv(uint64_t a, uint64_t b) {
    return (a + b - 1) / b;
}

uint64_t blockBytes(QuantFormat format) {
    return uint64_t(dtypeInfo(quantFormatInfo(format).storage).typeSize);
}

uint64_t blockWords(QuantFormat format, uint64_t superBlocks) {
    return ceilDiv(superBlocks * blockBytes(format), 4);
}

} // namespace

KQuantKernel::KQuantKernel(Device& device, const std::string& shader, uint64_t blocksPerGroup,
                           std::vector<QuantFormat> formats)
    : StagedKernel(device, shader, sizeof(KQuantPush))
    , m_blocksPerGroup(blocksPerGroup)
    , m_formats(std::move(formats)) {}

// SUPERS in each shader: 4 super-blocks of 16 sub-blocks, 8 of 8, for 64 invocations.
std::unique_ptr<KQuantKernel> KQuantKernel::q6k(Device& device) {
    return std::unique_ptr<KQuantKernel>(
        new KQuantKernel(device, "quantize_q6_k", 4, {QuantFormat::Q6_K}));
}
std::unique_ptr<KQuantKernel> KQuantKernel::k4(Device& device) {
    return std::unique_ptr<KQuantKernel>(
        new KQuantKernel(device, "quantize_k4", 8, {QuantFormat::Q4_K, QuantFormat::Q5_K}));
}

// Only ggml's own encoders: a format storing the same bytes chosen another way (q4_k-lsq's
// search) must not land here.
bool KQuantKernel::handles(QuantFormat format) const {
    const auto& info = quantFormatInfo(format);
    return std::find(m_formats.begin(), m_formats.end(), format) != m_formats.end() &&
           info.kind == QuantKind::Block && info.method == "ggml-kquant";
}

uint64_t KQuantKernel::outputWords(QuantFormat format, uint64_t superBlocks) const {
    return blockWords(format, superBlocks) + ceilDiv(superBlocks, m_blocksPerGroup);
}

RowChunking KQuantKernel::plan(QuantFormat format, int64_t rows, int64_t cols,
                               const DispatchLimits& limits) const {
    if (uint64_t(cols) % kValues != 0)
        return {0, "a row of " + std::to_string(cols) + " values is not a whole number of " +
                       "256-value super-blocks (the job stores such tensors in the fallback " +
                       "format)"};
    const uint64_t perRow = uint64_t(cols) / kValues;
    return planRows(
        rows, cols, limits, [&](int64_t n) { return outputWords(format, uint64_t(n) * perRow); },
        [&](int64_t n) { return ceilDiv(uint64_t(n) * perRow, m_blocksPerGroup); });
}

void KQuantKernel::runChunk(QuantFormat format, const float* src, int64_t rowBegin,
                            int64_t chunkRows, int64_t cols, QuantizedTensor& out) {
    if (rowBegin == 0)
        m_hostBlocks = 0;
    const uint64_t blocks = uint64_t(chunkRows) * uint64_t(cols) / kValues;
    const uint64_t bytes = blockBytes(format);
    const KQuantPush push{uint32_t(blocks), uint32_t(kGuardWords),
                          uint32_t(blockWords(format, blocks)),
                          format == QuantFormat::Q5_K ? 1u : 0u};
    const auto groups = uint32_t(ceilDiv(blocks, m_blocksPerGroup));
    const uint32_t* result =
        dispatch(format, chunkRows, cols, src, outputWords(format, blocks), &push, groups);
    std::byte* dst = out.packed.data() + size_t(rowBegin) * packedRowBytes(format, cols);
    std::memcpy(dst, result, size_t(blocks * bytes));
    const uint32_t* flags = result + blockWords(format, blocks);
    const PlainRowEncoder encode = kquantPlainRowEncoder(quantFormatInfo(format).storage);
    uint64_t redone = 0;
    for (uint64_t b = 0; b < blocks; ++b) {
        if (!(flags[b / m_blocksPerGroup] >> (b % m_blocksPerGroup) & 1u))
            continue;
        encode(src + b * kValues, dst + b * bytes, int64_t(kValues));
        ++redone;
    }
    m_hostBlocks += redone;
    if (redone > 0 && measuring()) { // the device measured its own bytes for those blocks
        QuantizedTensor chunk;
        chunk.resize(format, chunkRows, cols);
        std::memcpy(chunk.packed.data(), dst, size_t(blocks * bytes));
        const size_t values = size_t(chunkRows) * size_t(cols);
        replaceChunkSums(errorSumsOnHost(std::span<const float>(src, values), chunk));
    }
}

} // namespace ql::vk
