#include "engine/compute/vulkan/block_kernels.h"

#include <cstring>

namespace ql::vk {
namespace {

constexpr uint32_t kModeF16 = 5;
constexpr uint64_t kInvocationsPerGroup = 32; // local_size_x of quantize_blocks.comp
constexpr uint64_t kValuesPerF16Invocation = 2;

struct BlockPush { // mirrors Params in quantize_blocks.comp
    uint32_t count, mode, outBase, pad;
};

struct Fp8Push { // mirrors Params in quantize_fp8_rowwise.comp
    uint32_t rows, cols, rowWords, outBase, kind;
};

// Invocations of quantize_blocks.comp for `values` weights: two blocks or two values each.
uint64_t blockInvocations(QuantFormat format, uint64_t values) {
    if (quantFormatInfo(format).storage == DType::F16)
        return ceilDiv(values, kValuesPerF16Invocation);
    return ceilDiv(values / uint64_t(blockMultiple(format)), 2);
}

uint32_t fp8RowWords(int64_t cols) {
    return uint32_t(1 + (cols + 3) / 4);
}

} // namespace

BlockKernel::BlockKernel(Device& device)
    : StagedKernel(device, "quantize_blocks", sizeof(BlockPush)) {}

std::optional<uint32_t> BlockKernel::shaderMode(QuantFormat format) {
    const auto& info = quantFormatInfo(format);
    // Only the plain encoders: a format that stores Q4_0 bytes but chooses them another
    // way (a search, an importance matrix) must not land here.
    if (info.kind != QuantKind::Block || info.bytesPerCode != 0 ||
        (info.method != "rtn" && info.method != "convert"))
        return std::nullopt;
    switch (info.storage) {
    case DType::Q8_0:
        return 0;
    case DType::Q4_0:
        return 1;
    case DType::Q4_1:
        return 2;
    case DType::Q5_0:
        return 3;
    case DType::Q5_1:
        return 4;
    case DType::F16:
        return kModeF16;
    default:
        return std::nullopt;
    }
}

bool BlockKernel::handles(QuantFormat format) const {
    return shaderMode(format).has_value();
}

uint64_t BlockKernel::outputWords(QuantFormat format, uint64_t values) {
    const auto& storage = dtypeInfo(quantFormatInfo(format).storage);
    if (storage.type == DType::F16)
        return ceilDiv(values, 2);
    const uint64_t blocks = values / uint64_t(storage.blockSize);
    const uint64_t pairWords = uint64_t(storage.typeSize) / 2; // two blocks are whole words
    return blocks / 2 * pairWords + (blocks % 2 ? ceilDiv(uint64_t(storage.typeSize), 4) : 0);
}

RowChunking BlockKernel::plan(QuantFormat format, int64_t rows, int64_t cols,
                              const DispatchLimits& limits) const {
    const int64_t multiple = blockMultiple(format);
    if (cols % multiple != 0)
        return {0, "a row of " + std::to_string(cols) + " values is not a whole number of " +
                       std::to_string(multiple) + "-value blocks (the job stores such tensors " +
                       "in the fallback format)"};
    const uint64_t c = uint64_t(cols);
    return planRows(
        rows, cols, limits, [&](int64_t n) { return outputWords(format, uint64_t(n) * c); },
        [&](int64_t n) {
            return ceilDiv(blockInvocations(format, uint64_t(n) * c), kInvocationsPerGroup);
        });
}

void BlockKernel::runChunk(QuantFormat format, const float* src, int64_t rowBegin,
                           int64_t chunkRows, int64_t cols, QuantizedTensor& out) {
    const uint64_t values = uint64_t(chunkRows) * uint64_t(cols);
    const bool f16 = quantFormatInfo(format).storage == DType::F16;
    const BlockPush push{uint32_t(f16 ? values : values / uint64_t(blockMultiple(format))),
                         *shaderMode(format), uint32_t(kGuardWords), 0};
    const uint64_t words = outputWords(format, values);
    const auto groups = uint32_t(ceilDiv(blockInvocations(format, values), kInvocationsPerGroup));
    const uint32_t* result = dispatch(format, chunkRows, cols, src, words, &push, groups);
    const uint64_t rowBytes = packedRowBytes(format, cols);
    std::memcpy(out.packed.data() + size_t(rowBegin) * rowBytes, result,
                size_t(chunkRows) * rowBytes);
}

Fp8RowKernel::Fp8RowKernel(Device& device)
    : StagedKernel(device, "quantize_fp8_rowwise", sizeof(Fp8Push)) {}

bool Fp8RowKernel::handles(QuantFormat format) const {
    const auto& info = quantFormatInfo(format);
    const bool layout = info.kind == QuantKind::Block && info.rowHeaderBytes == 4 &&
                        info.bytesPerCode == 1 && info.method == "rtn";
    return layout && (format == QuantFormat::Fp8E4M3 || format == QuantFormat::Fp8E5M2);
}

RowChunking Fp8RowKernel::plan(QuantFormat, int64_t rows, int64_t cols,
                               const DispatchLimits& limits) const {
    const uint64_t rowWords = fp8RowWords(cols);
    return planRows(
        rows, cols, limits, [&](int64_t n) { return uint64_t(n) * rowWords; },
        [](int64_t n) { return uint64_t(n); });
}

void Fp8RowKernel::runChunk(QuantFormat format, const float* src, int64_t rowBegin,
                            int64_t chunkRows, int64_t cols, QuantizedTensor& out) {
    const uint32_t rowWords = fp8RowWords(cols);
    const Fp8Push push{uint32_t(chunkRows), uint32_t(cols), rowWords, uint32_t(kGuardWords),
                       format == QuantFormat::Fp8E4M3 ? 0u : 1u};
    const uint32_t* result = dispatch(format, chunkRows, cols, src, uint64_t(chunkRows) * rowWords,
                                      &push, uint32_t(chunkRows));
    const uint64_t rowBytes = packedRowBytes(format, cols); // 4 + cols
    for (int64_t r = 0; r < chunkRows; ++r)
        std::memcpy(out.packed.data() + size_t(rowBegin + r) * rowBytes, result + r * rowWords,
                    size_t(rowBytes));
}

} // namespace ql::vk
