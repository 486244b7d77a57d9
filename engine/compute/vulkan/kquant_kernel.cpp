#include "engine/compute/vulkan/kquant_kernel.h"

#include "engine/compute/backend.h"
#include "engine/core/error.h"
#include "engine/quant/kquant_encode.h"

#include <algorithm>
#include <cstring>
#include <span>

namespace ql::vk {
namespace {

struct KQuantPush {                              // mirrors Params in shaders/kquant_params.glsl
    uint32_t count, outBase, flagBase, fiveBits; // fiveBits: Q5_K in quantize_k4.comp
    uint32_t blocksPerRow, rowsPerMatrix, firstRowInMatrix, pad; // the importance variants
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
                           std::vector<QuantFormat> formats, bool weighted)
    : StagedKernel(device, weighted ? shader + "_imatrix" : shader, sizeof(KQuantPush), weighted)
    , m_blocksPerGroup(blocksPerGroup)
    , m_formats(std::move(formats))
    , m_weighted(weighted) {}

// Each shader, the blocks one workgroup takes (SUPERS / BLOCKS there: 4 super-blocks of 16
// sub-blocks or 8 of 8 for 64 invocations, 32 IQ4_NL blocks for 32) and its formats.
// imatrix: whether the shader has an importance variant (shaders/CMakeLists.txt).
std::vector<std::unique_ptr<KQuantKernel>> KQuantKernel::all(Device& device, bool weighted) {
    struct Shader {
        const char* name;
        uint64_t blocksPerGroup;
        std::vector<QuantFormat> formats;
        bool imatrix;
    };
    const Shader shaders[] = {{"quantize_q2_k", 4, {QuantFormat::Q2_K}, true},
                              {"quantize_q3_k", 4, {QuantFormat::Q3_K}, true},
                              {"quantize_k4", 8, {QuantFormat::Q4_K, QuantFormat::Q5_K}, true},
                              {"quantize_q6_k", 4, {QuantFormat::Q6_K}, true},
                              {"quantize_iq4_nl", 32, {QuantFormat::IQ4_NL}, true}};
    std::vector<std::unique_ptr<KQuantKernel>> kernels;
    for (const Shader& s : shaders)
        if (!weighted || s.imatrix)
            kernels.push_back(std::unique_ptr<KQuantKernel>(
                new KQuantKernel(device, s.name, s.blocksPerGroup, s.formats, weighted)));
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

std::span<const float> KQuantKernel::importanceSlice(int64_t rowBegin, int64_t rows,
                                                     int64_t cols) const {
    const ImportanceRows& layout = m_importance->layout;
    if (layout.rowsPerMatrix <= 0)
        return m_importance->weights.subspan(0, size_t(cols));
    const int64_t first = (layout.firstRow + rowBegin) / layout.rowsPerMatrix;
    const int64_t last = (layout.firstRow + rowBegin + rows - 1) / layout.rowsPerMatrix;
    return m_importance->weights.subspan(size_t(first * cols), size_t((last - first + 1) * cols));
}

void KQuantKernel::encodeOnHost(QuantFormat format, const float* src, int64_t rowBegin,
                                int64_t cols, uint64_t b, std::byte* dst) const {
    const DType storage = quantFormatInfo(format).storage;
    const uint64_t values = blockValues(format);
    const float* x = src + b * values;
    if (!m_weighted)
        return kquantPlainRowEncoder(storage)(x, dst, int64_t(values));
    const ImportanceRows& layout = m_importance->layout;
    const uint64_t perRow = uint64_t(cols) / values;
    const int64_t row = layout.firstRow + rowBegin + int64_t(b / perRow);
    const int64_t matrix = layout.rowsPerMatrix > 0 ? row / layout.rowsPerMatrix : 0;
    const float* imp = m_importance->weights.data() + matrix * cols + (b % perRow) * values;
    kquantRowEncoder(storage)(x, dst, int64_t(values), imp);
}

void KQuantKernel::runChunk(QuantFormat format, const float* src, int64_t rowBegin,
                            int64_t chunkRows, int64_t cols, QuantizedTensor& out) {
    if (rowBegin == 0)
        m_hostBlocks = 0;
    const uint64_t values = blockValues(format);
    const uint64_t blocks = uint64_t(chunkRows) * uint64_t(cols) / values;
    const uint64_t bytes = blockBytes(format);
    if (m_weighted != (m_importance != nullptr))
        throw Error("vulkan: the importance vectors and the kernel disagree");
    const ImportanceRows layout = m_importance ? m_importance->layout : ImportanceRows{};
    const auto perMatrix = uint32_t(std::max<int64_t>(layout.rowsPerMatrix, 0));
    const KQuantPush push{uint32_t(blocks),
                          uint32_t(kGuardWords),
                          uint32_t(blockWords(format, blocks)),
                          format == QuantFormat::Q5_K ? 1u : 0u,
                          uint32_t(uint64_t(cols) / values),
                          perMatrix,
                          perMatrix ? uint32_t((layout.firstRow + rowBegin) % layout.rowsPerMatrix)
                                    : 0u,
                          0u};
    const auto groups = uint32_t(ceilDiv(blocks, m_blocksPerGroup));
    const std::span<const float> side =
        m_weighted ? importanceSlice(rowBegin, chunkRows, cols) : std::span<const float>{};
    const uint32_t* result =
        dispatch(format, chunkRows, cols, src, outputWords(format, blocks), &push, groups, side);
    std::byte* dst = out.packed.data() + size_t(rowBegin) * packedRowBytes(format, cols);
    std::memcpy(dst, result, size_t(blocks * bytes));
    const uint32_t* flags = result + blockWords(format, blocks);
    uint64_t redone = 0;
    for (uint64_t b = 0; b < blocks; ++b) {
        if (!(flags[b / m_blocksPerGroup] >> (b % m_blocksPerGroup) & 1u))
            continue;
        encodeOnHost(format, src, rowBegin, cols, b, dst + b * bytes);
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
