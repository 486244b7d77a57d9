#include "engine/compute/vulkan/kquant_kernel.h"

#include "engine/compute/backend.h"
#include "engine/core/error.h"
#include "engine/core/parallel.h"
#include "engine/quant/ggml_legacy_importance.h"
#include "engine/quant/imatrix_quantize.h"
#include "engine/quant/kquant_encode.h"

#include <algorithm>
#include <cstring>
#include <span>

namespace ql::vk {
namespace {

// Mirrors Params in shaders/kquant_params.glsl.
struct KQuantPush {
    uint32_t count, outBase, flagBase, fiveBits; // fiveBits: see variantOf
    uint32_t blocksPerRow, rowsPerMatrix, firstRowInMatrix, rowValuesBase; // with importance
};

// The push constant that tells a shader's formats apart: quantize_k4.comp's fiveBits
// (Q5_K), quantize_legacy_imatrix.comp's format (Q4_0, Q4_1, Q5_0, Q5_1 = 0..3).
uint32_t variantOf(QuantFormat format) {
    switch (format) {
    case QuantFormat::Q5_K:
    case QuantFormat::Q4_1:
        return 1;
    case QuantFormat::Q5_0:
        return 2;
    case QuantFormat::Q5_1:
        return 3;
    default:
        return 0;
    }
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
                           std::vector<QuantFormat> formats, bool weighted, bool rowMeanSquares)
    : StagedKernel(device, weighted ? shader + "_imatrix" : shader, sizeof(KQuantPush), weighted)
    , m_blocksPerGroup(blocksPerGroup)
    , m_formats(std::move(formats))
    , m_weighted(weighted)
    , m_rowMeanSquares(rowMeanSquares) {}

// Each shader, the blocks one workgroup takes (SUPERS / BLOCKS there: 4 super-blocks of 16
// sub-blocks or 8 of 8 for 64 invocations, 32 IQ4_NL blocks for 32) and its formats.
// plain / imatrix: whether the shader has a variant without / with importance
// (shaders/CMakeLists.txt); the legacy formats without importance are quantize_blocks.comp's.
std::vector<std::unique_ptr<KQuantKernel>> KQuantKernel::all(Device& device, bool weighted) {
    struct Shader {
        const char* name;
        uint64_t blocksPerGroup;
        std::vector<QuantFormat> formats;
        bool plain, imatrix;
        bool rowMeanSquares; // its importance weights need each row's mean square
    };
    const Shader shaders[] = {
        {"quantize_q2_k", 4, {QuantFormat::Q2_K}, true, true, false},
        {"quantize_q3_k", 4, {QuantFormat::Q3_K}, true, true, false},
        {"quantize_k4", 8, {QuantFormat::Q4_K, QuantFormat::Q5_K}, true, true, false},
        {"quantize_q4_k_lsq", 8, {QuantFormat::Q4_KLsq}, true, false, false},
        {"quantize_q6_k", 4, {QuantFormat::Q6_K}, true, true, false},
        {"quantize_iq4_nl", 32, {QuantFormat::IQ4_NL}, true, true, false},
        {"quantize_legacy",
         32,
         {QuantFormat::Q4_0, QuantFormat::Q4_1, QuantFormat::Q5_0, QuantFormat::Q5_1},
         false,
         true,
         true}};
    std::vector<std::unique_ptr<KQuantKernel>> kernels;
    for (const Shader& s : shaders)
        if (weighted ? s.imatrix : s.plain)
            kernels.push_back(std::unique_ptr<KQuantKernel>(
                new KQuantKernel(device, s.name, s.blocksPerGroup, s.formats, weighted,
                                 s.rowMeanSquares && weighted)));
    return kernels;
}

// Exactly the listed formats: q4_k-lsq stores Q4_K's bytes but chosen by a search of its
// own, so it has its own shader and never lands in quantize_k4's.
bool KQuantKernel::handles(QuantFormat format) const {
    return std::find(m_formats.begin(), m_formats.end(), format) != m_formats.end();
}

std::string KQuantKernel::hostSteps() const {
    return m_rowMeanSquares ? " + host (row mean squares)" : "";
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
    DispatchLimits fitted = limits; // the side input holds up to n (cols + 1) floats
    if (m_rowMeanSquares)
        fitted.maxBufferBytes = limits.maxBufferBytes / uint64_t(cols + 1) * uint64_t(cols);
    return planRows(
        rows, cols, fitted, [&](int64_t n) { return outputWords(format, uint64_t(n) * perRow); },
        [&](int64_t n) { return ceilDiv(uint64_t(n) * perRow, m_blocksPerGroup); });
}

std::span<const float> KQuantKernel::sideInput(const float* src, int64_t rowBegin, int64_t rows,
                                               int64_t cols, uint32_t* rowValuesBase) {
    const std::span<const float> vectors = importanceSlice(rowBegin, rows, cols);
    *rowValuesBase = uint32_t(vectors.size());
    if (!m_rowMeanSquares)
        return vectors;
    m_side.assign(vectors.begin(), vectors.end());
    m_side.resize(vectors.size() + size_t(rows));
    float* meanSquares = m_side.data() + vectors.size();
    parallelFor(rows, defaultThreadCount(), 16, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r)
            meanSquares[r] = ggmlRowMeanSquare(src + r * cols, cols);
    });
    return m_side;
}

std::span<const float> KQuantKernel::importanceSlice(int64_t rowBegin, int64_t rows,
                                                     int64_t cols) const {
    const ImportanceRows& layout = m_importance->layout;
    const int64_t first = importanceVectorOf(rowBegin, layout);
    const int64_t last = importanceVectorOf(rowBegin + rows - 1, layout);
    return m_importance->weights.subspan(size_t(first * cols), size_t((last - first + 1) * cols));
}

void KQuantKernel::encodeOnHost(QuantFormat format, const float* src, int64_t rowBegin,
                                int64_t cols, uint64_t b, std::byte* dst) const {
    const DType storage = quantFormatInfo(format).storage;
    const uint64_t values = blockValues(format);
    const float* x = src + b * values;
    if (!m_weighted)
        return referenceRowEncoder(format)(x, dst, int64_t(values));
    const uint64_t perRow = uint64_t(cols) / values;
    const int64_t row = rowBegin + int64_t(b / perRow);
    const float* imp =
        m_importance->weights.data() + importanceVectorOf(row, m_importance->layout) * cols;
    if (m_rowMeanSquares) // the whole row: its blocks' weights need the row's mean square
        return importanceRowEncoder(storage)(src + (b / perRow) * uint64_t(cols), dst, cols, imp);
    importanceRowEncoder(storage)(x, dst, int64_t(values), imp + (b % perRow) * values);
}

uint64_t KQuantKernel::redoFlaggedBlocks(QuantFormat format, const float* src, int64_t rowBegin,
                                         int64_t cols, uint64_t blocks, const uint32_t* flags,
                                         std::byte* dst) const {
    const uint64_t bytes = blockBytes(format);
    const uint64_t perRow = uint64_t(cols) / blockValues(format);
    uint64_t redone = 0, rowDone = ~uint64_t(0);
    for (uint64_t b = 0; b < blocks; ++b) {
        if (!(flags[b / m_blocksPerGroup] >> (b % m_blocksPerGroup) & 1u))
            continue;
        ++redone;
        if (!m_rowMeanSquares)
            encodeOnHost(format, src, rowBegin, cols, b, dst + b * bytes);
        else if (b / perRow != rowDone)
            encodeOnHost(format, src, rowBegin, cols, b, dst + (b / perRow) * perRow * bytes);
        rowDone = b / perRow;
    }
    return redone;
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
    KQuantPush push{uint32_t(blocks),
                    uint32_t(kGuardWords),
                    uint32_t(blockWords(format, blocks)),
                    variantOf(format),
                    uint32_t(uint64_t(cols) / values),
                    perMatrix,
                    perMatrix ? uint32_t((layout.firstRow + rowBegin) % layout.rowsPerMatrix) : 0u,
                    0u};
    const auto groups = uint32_t(ceilDiv(blocks, m_blocksPerGroup));
    const std::span<const float> side =
        m_weighted ? sideInput(src, rowBegin, chunkRows, cols, &push.rowValuesBase)
                   : std::span<const float>{};
    const uint32_t* result =
        dispatch(format, chunkRows, cols, src, outputWords(format, blocks), &push, groups, side);
    std::byte* dst = out.packed.data() + size_t(rowBegin) * packedRowBytes(format, cols);
    std::memcpy(dst, result, size_t(blocks * bytes));
    const uint32_t* flags = result + blockWords(format, blocks);
    const uint64_t redone = redoFlaggedBlocks(format, src, rowBegin, cols, blocks, flags, dst);
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
