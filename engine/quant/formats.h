#pragma once
// The one place where tensor storage types and Quantlens's quantization formats are
// defined. Block layouts follow ggml (ggml-common.h); shaders mirror them in
// shaders/formats.glsl. Anything that needs a size, a block length or a name asks here.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ql {

// ---- Storage types of tensors in model files --------------------------------------

// Values are ggml's type ids, so GGUF files map onto them directly.
enum class DType : uint32_t {
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    IQ4_NL = 20,
    BF16 = 30,
};

struct DTypeInfo {
    DType type;
    std::string_view name; // as ggml and GGUF tools print it
    int blockSize;         // elements per block (1 for plain floats)
    int typeSize;          // bytes per block
};

// nullopt for an id Quantlens does not know (the caller reports it with file and offset).
std::optional<DTypeInfo> dtypeInfoFromId(uint32_t ggmlId);
const DTypeInfo& dtypeInfo(DType type);
std::optional<DType> dtypeFromName(std::string_view name); // "F16", "Q8_0", ...
bool isFloatDType(DType type);                             // F32, F16, BF16

// Bytes of `elements` values of `type`; nullopt when elements is not a whole number of
// blocks or the product overflows 64 bits.
std::optional<uint64_t> dtypeBytes(DType type, uint64_t elements);

// ggml block layouts (packed, little-endian). static_asserts pin the sizes.
#pragma pack(push, 1)
struct BlockQ8_0 {
    uint16_t d; // fp16 scale
    int8_t qs[32];
};
struct BlockQ4_0 {
    uint16_t d;
    uint8_t qs[16]; // low nibbles: elements 0..15, high nibbles: 16..31
};
struct BlockQ4_1 {
    uint16_t d, m;
    uint8_t qs[16];
};
struct BlockQ5_0 {
    uint16_t d;
    uint8_t qh[4]; // fifth bits
    uint8_t qs[16];
};
struct BlockQ5_1 {
    uint16_t d, m;
    uint8_t qh[4];
    uint8_t qs[16];
};
#pragma pack(pop)
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ4_0) == 18);
static_assert(sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24);

// K-quants: super-blocks of 256 values (ggml's QK_K).
constexpr int kQK_K = 256;
struct BlockQ2_K {
    uint8_t scales[16]; // low nibble: scale, high nibble: min, per 16 values
    uint8_t qs[64];     // 2-bit codes
    uint16_t d, dmin;
};
struct BlockQ3_K {
    uint8_t hmask[32];  // high bits
    uint8_t qs[64];     // low 2 bits
    uint8_t scales[12]; // 16 6-bit scales, packed
    uint16_t d;
};
struct BlockQ4_K {
    uint16_t d, dmin;
    uint8_t scales[12]; // 8 6-bit scales and 8 6-bit mins, packed
    uint8_t qs[128];
};
struct BlockQ5_K {
    uint16_t d, dmin;
    uint8_t scales[12];
    uint8_t qh[32];
    uint8_t qs[128];
};
struct BlockQ6_K {
    uint8_t ql[128]; // low 4 bits
    uint8_t qh[64];  // high 2 bits
    int8_t scales[16];
    uint16_t d;
};
struct BlockIQ4_NL {
    uint16_t d;
    uint8_t qs[16]; // indices into the non-linear code book kIQ4NLValues
};
static_assert(sizeof(BlockQ2_K) == 84);
static_assert(sizeof(BlockQ3_K) == 110);
static_assert(sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockIQ4_NL) == 18);
inline constexpr int8_t kIQ4NLValues[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                            1,    13,   25,  38,  53,  69,  89,  113};

// ---- Quantlens's own quantization formats -------------------------------------------

enum class QuantFormat {
    Int8PerChannel, // int8 symmetric, one scale per output row
    Int4G128,       // int4 symmetric, one scale per 128 consecutive weights of a row
    F16,            // IEEE half: the usual "full precision" baseline of an F32 model
    Q8_0,           // ggml block types, byte-identical to ggml's reference quantizer
    Q4_0,
    Q4_1,
    Q5_0,
    Q5_1,
    Fp8E4M3, // OCP FP8 E4M3FN, one f32 scale per output row (absmax / 448)
    Fp8E5M2, // OCP FP8 E5M2, one f32 scale per output row (absmax / 57344)
    // More symmetric RTN grids: int{bits}[-g{group}], scale = absmax / (2^(bits-1) - 1).
    Int8G32,
    Int8G64,
    Int8G128,
    Int4PerChannel,
    Int4G32,
    Int4G64,
    Int3G32,
    Int3G64,
    Int3G128,
    Int2G32,
    Int2G64,
    Int2G128,
    // Named conventions of other tools (see each format's convention text).
    Int8Ct,       // compressed-tensors / llm-compressor W8A8: absmax/127.5, codes -128..127
    Int4G128Ct,   // compressed-tensors W4A16 (group 128): absmax/7.5, codes -8..7
    Int4G128Gptq, // GPTQ's symmetric grid: scale 2*xmax/15, zero point 8
    Nf4,          // bitsandbytes NF4, blocks of 64, f32 absmax
    Nf4Dq,        // ... with double quantization of the absmax (8-bit, blocks of 256)
    Fp4,          // bitsandbytes FP4 (E2M1 code book), blocks of 64, f32 absmax
    Fp4Dq,
    Fp8E4M3Tensor, // FP8 with one f32 scale for the whole tensor
    Fp8E5M2Tensor,
    // The rest of the INT-n RTN family (per-tensor, asymmetric, ...) has no enumerator:
    // intRtnFormat() finds it by its parameters, quantFormatFromName() by its name.
    // GGUF K-quants and IQ4_NL, ggml's bytes (engine/quant/kquant_encode.h).
    Q2_K,
    Q3_K,
    Q4_K,
    Q5_K,
    Q6_K,
    IQ4_NL,
    // HQQ (engine/quant/hqq.h): the asymmetric grid of int{bits}-g64-asym with zero points
    // from HQQ's half-quadratic solver; fp16 scale and fp16 zero per group, as HQQ stores.
    HqqInt2G64,
    HqqInt3G64,
    HqqInt4G64,
    HqqInt8G64,
    // GGUF Q4_K bytes from Quantlens' least-squares search (engine/quant/kquant_lsq.h):
    // not llama-quantize's bytes, its RMSE no worse, several times faster.
    Q4_KLsq,
};

// How a format's quantized data is held in a QuantizedTensor.
enum class QuantKind {
    Rtn,   // unpacked int8 codes + f32 scales per group (QuantizedTensor::codes/scales)
    Block, // the storage type's bytes, row after row (QuantizedTensor::packed)
};

// How an unpacked (Rtn) format chooses its scale, zero point and codes. Each names the
// tool whose rule it reproduces; quantize.h gives the exact arithmetic.
enum class QuantScheme {
    SymAbsmax,    // scale = absmax/qmax, codes -qmax..qmax (GGUF Q8_0-style; Quantlens int8)
    SymHalfRange, // compressed-tensors: scale = max(absmax/((2^n-1)/2), eps), -2^(n-1)..2^(n-1)-1
    SymGptq,      // GPTQ sym: scale = (xmax-xmin)/maxq, xmin = -xmax when xmin < 0, zero (maxq+1)/2
    Asym,         // GPTQ asym: scale = (max(x,0)-min(x,0))/maxq, zero = round(-min/scale)
    Nf4,          // bitsandbytes NF4 code book times the block's absmax
    Fp4,          // bitsandbytes FP4 code book times the block's absmax
};

// The method of formats whose encoder is Quantlens' own search rather than the ecosystem's
// (their bytes are a standard storage type's, their values are not the reference tool's).
constexpr std::string_view kLsqMethod = "quantlens-lsq";

struct QuantFormatInfo {
    QuantFormat format;
    std::string_view name;       // CLI and workspace name: "int8", "int4-g128", "q4_0"
    std::string_view method;     // "rtn"
    int bits;                    // code width
    int groupSize;               // 0 = the whole row
    int qmax;                    // Rtn: codes lie in [-qmax, qmax]
    std::string_view convention; // how the scale is chosen, in words
    QuantKind kind = QuantKind::Rtn;
    DType storage = DType::F32; // Block: the ggml storage type whose bytes `packed` holds
    // Block formats with no ggml storage type (FP8): bytes of per-row metadata before the
    // codes, and bytes per code. 0/0 for ggml types, whose layout dtypeInfo describes.
    int rowHeaderBytes = 0;
    int bytesPerCode = 0;
    // Rtn formats: the rule, where the scale applies, and what is stored per group.
    QuantScheme scheme = QuantScheme::SymAbsmax;
    bool perTensor = false;   // one scale (and zero) for the whole tensor (also FP8 *-tensor)
    int scaleBits = 16;       // stored scale: 16 = fp16, 32 = f32, 8 = double-quantized
    int zeroBits = 0;         // stored zero point per group (GPTQ packs them at `bits`)
    bool doubleQuant = false; // bitsandbytes nested absmax quantization (blocks of 256)
};

// Codes of an asymmetric or GPTQ format are held as (unsigned code - 2^(bits-1)) so that
// 8-bit codes fit int8; zero points are shifted alike, so (code - zero) is unchanged.
int codeOffset(const QuantFormatInfo& info);

// A format whose scale statistics span rows (per-tensor scale, or the double-quantized
// absmax's mean, or HQQ's early stop on the tensor's mean error): it must be quantized in
// one call over the whole tensor, not by row chunks.
bool needsWholeTensor(QuantFormat format);

// The INT-n RTN family by parameters: group -1 = per tensor, 0 = per output channel.
// nullopt when the table has no such format.
std::optional<QuantFormat> intRtnFormat(int bits, int group, QuantScheme scheme);

// Bytes of one row of a Block format, and the row-length multiple it needs.
uint64_t packedRowBytes(QuantFormat format, int64_t cols);
int64_t blockMultiple(QuantFormat format);

// A row length the format cannot hold (not a whole number of blocks) is stored in this
// fallback instead, as llama-quantize does for such tensors (a K-quant's substitute, then
// F16; stock llama-quantize refuses the rest, the goldens' build stores F16); metrics
// report it.
QuantFormat fallbackFormat(QuantFormat format, int64_t cols);

const std::vector<QuantFormatInfo>& quantFormats();
const QuantFormatInfo& quantFormatInfo(QuantFormat format);
std::optional<QuantFormat> quantFormatFromName(std::string_view name);

// Storage a quantized rows x cols tensor needs: packed codes plus every stored scale, zero
// point and double-quantization constant (a per-tensor scale counts once).
uint64_t quantizedBytes(QuantFormat format, int64_t rows, int64_t cols);
int64_t groupsPerRow(QuantFormat format, int64_t cols);

} // namespace ql
