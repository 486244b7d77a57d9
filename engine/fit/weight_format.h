#pragma once
// Bytes a weight tensor takes in each format the fit model knows, scales, zero points and
// super-block metadata included. The storage types and Quantlens's own formats are
// defined in engine/quant/formats.h and asked from there; the formats that have no
// quantizer in Quantlens yet (K-quants, IQ4_NL, FP8, NF4, MXFP4) are sized here only.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ql::fit {

enum class WeightFormat {
    F32,
    F16,
    BF16,
    Q8_0,
    Q4_0,
    Q4_1,
    Q5_0,
    Q5_1,
    Q2_K,
    Q3_K,
    Q4_K,
    Q5_K,
    Q6_K,
    IQ4_NL,
    Fp8PerTensor,   // 1 byte per weight + one fp32 scale per tensor
    Fp8PerChannel,  // 1 byte per weight + one fp32 scale per output row
    Fp8Block128,    // 1 byte per weight + one fp32 scale per 128x128 tile (DeepSeek-V3, Qwen3-FP8)
    Int8PerChannel, // Quantlens int8: formats.h quantizedBytes()
    Int4G128,       // Quantlens int4-g128: formats.h quantizedBytes()
    Nf4,            // bitsandbytes: blocks of 64, 4-bit codes + fp32 absmax
    Nf4DoubleQuant, // absmax quantized to 8 bits, one fp32 per 256 blocks
    Mxfp4,          // OCP MX: blocks of 32, 4-bit e2m1 + one e8m0 scale byte (gpt-oss experts)
};

struct WeightFormatInfo {
    WeightFormat format;
    std::string_view name;  // CLI name, lower case: "q4_K", "int4-g128", "fp8"
    double codeBits;        // bits of the codes alone, metadata excluded
    bool ggufBlock;         // a ggml block type: rows must hold whole blocks
    std::string_view notes; // layout in words
};

const std::vector<WeightFormatInfo>& weightFormats();
const WeightFormatInfo& weightFormatInfo(WeightFormat format);
// Case-insensitive; accepts the names above and a few aliases ("int4" = "int4-g128").
std::optional<WeightFormat> weightFormatFromName(std::string_view name);
std::string weightFormatNames(); // "f32, f16, ..." for help texts and errors

// f32, f16, bf16: stored as floats, nothing quantized.
bool isFloatFormat(WeightFormat format);

// Elements and bytes of one ggml block, for the ggml block types and plain floats.
struct BlockLayout {
    int64_t elements;
    int64_t bytes;
};
std::optional<BlockLayout> ggmlBlock(WeightFormat format);

// Storage of a rows x cols tensor (cols contiguous). Throws ql::Error when a ggml block
// type's row is not a whole number of blocks; see ggufFallback() for what llama-quantize
// does instead.
uint64_t tensorBytes(WeightFormat format, int64_t rows, int64_t cols);
bool rowFits(WeightFormat format, int64_t cols);

// llama-quantize's replacement when a row is not a multiple of the block
// (llama_tensor_get_type: Q2_K/Q3_K -> IQ4_NL, Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0,
// and F16 when even that does not fit). Returns `format` itself when the row fits.
WeightFormat ggufFallback(WeightFormat format, int64_t cols);

} // namespace ql::fit
