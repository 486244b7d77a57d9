#include "engine/compute/vulkan/kquant_kernel.h"

#include "engine/compute/backend.h"
#include "engine/quant/kquant_encode.h"

#include <algorithm>
#include <cstring>
#include <span>

namespace ql::vk {
namespace {

struct KQuantPush { // mirrors Params in every quantize_q*_k.comp, quantize_k4 and _iq4_nl
    uint32_t count, outBase, flagBase, fiveBits; // fiveBits: Q5_K in quantize_k4.comp
};

uint64_t ceilDiv(uint64_t a, uint64_t b) {
    return (a + b - 1) / b;
}

uint64_t blockBytes(QuantFormat format) {
    return uint64_t(dtypeInfo(quantFormatInfo(format).storage).typeSize);
}

// Values per block: 256 (a K-quant super-block), 32 (IQ4_NL).
uint64_t blockValues(QuantFormat format) {
    return uint64_t(dtypeInfo(quantFormatInfo(format).storage).blockSize);
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

// Each shader, the blocks one workgroup takes (SUPERS / BLOCKS there: 4 super-blocks of 16
// sub-blocks or 8 of 8 for 64 invocations, 32 IQ4_NL blocks for 32) and its formats.
std::vector<std::unique_ptr<KQuantKernel>> KQuantKernel::all(Device& device) {
    struct Shader {
        const char* name;
        uint64_t blocksPerGroup;
        std::vector<QuantFormat> formats;
    };
    const Shader shaders[] = {{"quantize_q2_k", 4, {QuantFormat::Q2_K}},
                              {"quantize_q3_k", 4, {QuantFormat::Q3_K}},
                              {"quantize_k4", 8, {QuantFormat::Q4_K, QuantFormat::Q5_K}},
                              {"quantize_q6_k", 4, {QuantFormat::Q6_K}},
                              {"quantize_iq4_nl", 32, {QuantFormat::IQ4_NL}}};
    std::vector<std::unique_ptr<KQuantKernel>> kernels;
    for (const Shader& s : shaders)
        kernels.push_back(std::unique_ptr<KQuantKernel>(
            new KQuantKernel(device, s.name, s.blocksPerGroup, s.formats)));
    return kernels;
}

// Only ggml's own encoders: a format storing the same bytes chosen another way (q4_k-lsq's
// search) must not land here.
bool KQuantKernel::handles(QuantFormat format) const {
    const auto& info = quantFormatInfo(format);
    return std::find(m_formats.begin(), m_formats.end(), format) != m_formats.end() &&
           info.kind == QuantKind::Block &&
           (info.method == "ggml-kquant" || info.method == "ggml-iq");
}

uint64_t KQuantKernel::outputWords(QuantFormat format, uint64_t superBlocks) const {
    return blockWords(format, superBlocks) + ceilDiv(superBlocks, m_blocksPerGroup);
}

RowChunking KQuantKernel::plan(QuantFormat format, int64_t rows, int64_t cols,
                               const DispatchLimits& limits) const {
    const uint64_t values = blockValues(format);
    if (uint64_t(cols) % values != 0)
        return {0, "a row of " + std::to_string(cols) + " values is not a whole number of " +
                       std::to_string(values) +
                       (values == 256 ? "-value super-blocks" : "-value blocks") +
                       " (the job stores such tensors in the fallback format)"};
    const uint64_t perRow = uint64_t(cols) / values;
    return planRows(
        rows, cols, limits, [&](int64_t n) { return outputWords(format, uint64_t(n) * perRow); },
        [&](int64_t n) { return ceilDiv(uint64_t(n) * perRow, m_blocksPerGroup); });
}

void KQuantKernel::runChunk(QuantFormat format, const float* src, int64_t rowBegin,
                            int64_t chunkRows, int64_t cols, QuantizedTensor& out) {
    if (rowBegin == 0)
        m_hostBlocks = 0;
    const uint64_t values = blockValues(format);
    const uint64_t blocks = uint64_t(chunkRows) * uint64_t(cols) / values;
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
        encode(src + b * values, dst + b * bytes, int64_t(values));
        ++redone;
    }
    m_hostBlocks += redone;
    if (redone > 0 && measuring()) { // the device measured its own bytes for those blocks
        QuantizedTensor chunk;
        chunk.resize(format, chunkRows, cols);
        std::memcpy(chunk.packed.data(), dst, size_t(blocks * bytes));
        const size_t count = size_t(chunkRows) * size_t(cols);
        replaceChunkSums(errorSumsOnHost(std::span<const float>(src, count), chunk));
    }
}

} // namespace ql::vk
