#include "engine/fit/weight_format.h"

#include "engine/core/error.h"
#include "engine/quant/formats.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace ql::fit {
namespace {

// Block sizes of the ggml types that formats.h does not define yet. They will move into
// formats.h (DTypeInfo) when these formats get quantizers; until then they live here.
// Sizes from ggml-common.h: block_q2_K 84 = 16 scales + 64 qs + 2 fp16,
// block_q3_K 110 = 32 hmask + 64 qs + 12 scales + fp16, block_q4_K 144 = 2 fp16 + 12
// scales + 128 qs, block_q5_K 176 = 144 + 32 qh, block_q6_K 210 = 128 ql + 64 qh + 16
// scales + fp16, block_iq4_nl 18 = fp16 + 16 qs.
struct LocalBlock {
    WeightFormat format;
    BlockLayout layout;
};
constexpr LocalBlock kLocalBlocks[] = {
    {WeightFormat::Q2_K, {256, 84}},  {WeightFormat::Q3_K, {256, 110}},
    {WeightFormat::Q4_K, {256, 144}}, {WeightFormat::Q5_K, {256, 176}},
    {WeightFormat::Q6_K, {256, 210}}, {WeightFormat::IQ4_NL, {32, 18}},
    {WeightFormat::Mxfp4, {32, 17}},
};

std::optional<DType> storageType(WeightFormat format) {
    switch (format) {
    case WeightFormat::F32:
        return DType::F32;
    case WeightFormat::F16:
        return DType::F16;
    case WeightFormat::BF16:
        return DType::BF16;
    case WeightFormat::Q8_0:
        return DType::Q8_0;
    case WeightFormat::Q4_0:
        return DType::Q4_0;
    case WeightFormat::Q4_1:
        return DType::Q4_1;
    case WeightFormat::Q5_0:
        return DType::Q5_0;
    case WeightFormat::Q5_1:
        return DType::Q5_1;
    default:
        return std::nullopt;
    }
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return out;
}

uint64_t ceilDiv(uint64_t a, uint64_t b) {
    return (a + b - 1) / b;
}

uint64_t nf4Bytes(uint64_t n, bool doubleQuant) {
    const uint64_t blocks = ceilDiv(n, 64);
    const uint64_t codes = ceilDiv(n, 2);
    if (!doubleQuant)
        return codes + blocks * 4;
    // One 8-bit absmax per block, one fp32 scale per 256 blocks. The fp32 offset and the
    // 256-entry code table per tensor are left out (about 1 KiB per tensor).
    return codes + blocks + ceilDiv(blocks, 256) * 4;
}

uint64_t fp8Bytes(WeightFormat format, int64_t rows, int64_t cols) {
    const uint64_t n = uint64_t(rows) * uint64_t(cols);
    if (format == WeightFormat::Fp8PerTensor)
        return n + 4;
    if (format == WeightFormat::Fp8PerChannel)
        return n + uint64_t(rows) * 4;
    return n + ceilDiv(uint64_t(rows), 128) * ceilDiv(uint64_t(cols), 128) * 4;
}

} // namespace

bool isFloatFormat(WeightFormat f) {
    return f == WeightFormat::F32 || f == WeightFormat::F16 || f == WeightFormat::BF16;
}

const std::vector<WeightFormatInfo>& weightFormats() {
    static const std::vector<WeightFormatInfo> formats{
        {WeightFormat::F32, "f32", 32, true, "plain float32"},
        {WeightFormat::F16, "f16", 16, true, "plain float16"},
        {WeightFormat::BF16, "bf16", 16, true, "plain bfloat16"},
        {WeightFormat::Q8_0, "q8_0", 8, true, "32 x int8 + fp16 scale: 34 B / 32 (8.5 bpw)"},
        {WeightFormat::Q4_0, "q4_0", 4, true, "32 x 4 bit + fp16 scale: 18 B / 32 (4.5 bpw)"},
        {WeightFormat::Q4_1, "q4_1", 4, true, "32 x 4 bit + fp16 scale, min: 20 B / 32 (5 bpw)"},
        {WeightFormat::Q5_0, "q5_0", 5, true, "32 x 5 bit + fp16 scale: 22 B / 32 (5.5 bpw)"},
        {WeightFormat::Q5_1, "q5_1", 5, true, "32 x 5 bit + fp16 scale, min: 24 B / 32 (6 bpw)"},
        {WeightFormat::Q2_K, "q2_K", 2, true, "super-block of 256: 84 B (2.625 bpw)"},
        {WeightFormat::Q3_K, "q3_K", 3, true, "super-block of 256: 110 B (3.4375 bpw)"},
        {WeightFormat::Q4_K, "q4_K", 4, true, "super-block of 256: 144 B (4.5 bpw)"},
        {WeightFormat::Q5_K, "q5_K", 5, true, "super-block of 256: 176 B (5.5 bpw)"},
        {WeightFormat::Q6_K, "q6_K", 6, true, "super-block of 256: 210 B (6.5625 bpw)"},
        {WeightFormat::IQ4_NL, "iq4_nl", 4, true, "32 x 4 bit non-linear + fp16: 18 B / 32"},
        {WeightFormat::Fp8PerTensor, "fp8", 8, false, "e4m3 + one fp32 scale per tensor"},
        {WeightFormat::Fp8PerChannel, "fp8-channel", 8, false, "e4m3 + fp32 scale per row"},
        {WeightFormat::Fp8Block128, "fp8-block128", 8, false, "e4m3 + fp32 scale per 128x128 tile"},
        {WeightFormat::Int8PerChannel, "int8", 8, false, "int8 + fp16 scale per row"},
        {WeightFormat::Int4G128, "int4-g128", 4, false, "int4 + fp16 scale per 128 of a row"},
        {WeightFormat::Nf4, "nf4", 4, false, "blocks of 64: 4 bit + fp32 absmax (4.5 bpw)"},
        {WeightFormat::Nf4DoubleQuant, "nf4-dq", 4, false,
         "blocks of 64: 4 bit + 8-bit absmax, fp32 per 256 blocks (~4.127 bpw)"},
        {WeightFormat::Mxfp4, "mxfp4", 4, true, "32 x e2m1 + e8m0 scale: 17 B / 32"},
    };
    return formats;
}

const WeightFormatInfo& weightFormatInfo(WeightFormat format) {
    for (const auto& info : weightFormats())
        if (info.format == format)
            return info;
    throw std::logic_error("weightFormatInfo: unknown WeightFormat");
}

std::optional<WeightFormat> weightFormatFromName(std::string_view name) {
    const std::string wanted = lower(name);
    for (const auto& info : weightFormats())
        if (lower(info.name) == wanted)
            return info.format;
    if (wanted == "int4")
        return WeightFormat::Int4G128;
    if (wanted == "fp16")
        return WeightFormat::F16;
    if (wanted == "fp32")
        return WeightFormat::F32;
    return std::nullopt;
}

std::string weightFormatNames() {
    std::string out;
    for (const auto& info : weightFormats())
        out += (out.empty() ? "" : ", ") + std::string(info.name);
    return out;
}

std::optional<BlockLayout> ggmlBlock(WeightFormat format) {
    if (const auto dtype = storageType(format)) {
        const auto& info = dtypeInfo(*dtype);
        return BlockLayout{info.blockSize, info.typeSize};
    }
    for (const auto& local : kLocalBlocks)
        if (local.format == format)
            return local.layout;
    return std::nullopt;
}

bool rowFits(WeightFormat format, int64_t cols) {
    const auto block = ggmlBlock(format);
    return !block || cols % block->elements == 0;
}

uint64_t tensorBytes(WeightFormat format, int64_t rows, int64_t cols) {
    if (const auto block = ggmlBlock(format)) {
        if (cols % block->elements != 0)
            throw Error("a row of " + std::to_string(cols) + " values is not a whole number of " +
                        std::string(weightFormatInfo(format).name) + " blocks of " +
                        std::to_string(block->elements));
        return uint64_t(rows) * uint64_t(cols / block->elements) * uint64_t(block->bytes);
    }
    switch (format) {
    case WeightFormat::Int8PerChannel:
        return quantizedBytes(QuantFormat::Int8PerChannel, rows, cols);
    case WeightFormat::Int4G128:
        return quantizedBytes(QuantFormat::Int4G128, rows, cols);
    case WeightFormat::Nf4:
        return nf4Bytes(uint64_t(rows) * uint64_t(cols), false);
    case WeightFormat::Nf4DoubleQuant:
        return nf4Bytes(uint64_t(rows) * uint64_t(cols), true);
    default:
        return fp8Bytes(format, rows, cols);
    }
}

WeightFormat ggufFallback(WeightFormat format, int64_t cols) {
    if (rowFits(format, cols))
        return format;
    WeightFormat next = WeightFormat::F16;
    switch (format) {
    case WeightFormat::Q2_K:
    case WeightFormat::Q3_K:
        next = WeightFormat::IQ4_NL;
        break;
    case WeightFormat::Q4_K:
        next = WeightFormat::Q5_0;
        break;
    case WeightFormat::Q5_K:
        next = WeightFormat::Q5_1;
        break;
    case WeightFormat::Q6_K:
        next = WeightFormat::Q8_0;
        break;
    default:
        break;
    }
    return rowFits(next, cols) ? next : WeightFormat::F16;
}

} // namespace ql::fit
