#include "engine/quant/formats.h"

#include <algorithm>
#include <array>
#include <deque>
#include <stdexcept>
#include <string>

namespace ql {
namespace {

constexpr std::array<DTypeInfo, 14> kDTypes{{
    {DType::F32, "F32", 1, 4},
    {DType::F16, "F16", 1, 2},
    {DType::BF16, "BF16", 1, 2},
    {DType::Q8_0, "Q8_0", 32, 34},
    {DType::Q4_0, "Q4_0", 32, 18},
    {DType::Q4_1, "Q4_1", 32, 20},
    {DType::Q5_0, "Q5_0", 32, 22},
    {DType::Q5_1, "Q5_1", 32, 24},
    {DType::Q2_K, "Q2_K", 256, 84},
    {DType::Q3_K, "Q3_K", 256, 110},
    {DType::Q4_K, "Q4_K", 256, 144},
    {DType::Q5_K, "Q5_K", 256, 176},
    {DType::Q6_K, "Q6_K", 256, 210},
    {DType::IQ4_NL, "IQ4_NL", 32, 18},
}};

} // namespace

std::optional<DTypeInfo> dtypeInfoFromId(uint32_t ggmlId) {
    for (const auto& info : kDTypes)
        if (static_cast<uint32_t>(info.type) == ggmlId)
            return info;
    return std::nullopt;
}

const DTypeInfo& dtypeInfo(DType type) {
    for (const auto& info : kDTypes)
        if (info.type == type)
            return info;
    throw std::logic_error("dtypeInfo: unknown DType");
}

std::optional<DType> dtypeFromName(std::string_view name) {
    for (const auto& info : kDTypes)
        if (info.name == name)
            return info.type;
    return std::nullopt;
}

bool isFloatDType(DType type) {
    return type == DType::F32 || type == DType::F16 || type == DType::BF16;
}

std::optional<uint64_t> dtypeBytes(DType type, uint64_t elements) {
    const auto& info = dtypeInfo(type);
    if (elements % uint64_t(info.blockSize) != 0)
        return std::nullopt;
    const uint64_t blocks = elements / uint64_t(info.blockSize);
    uint64_t bytes = 0;
    if (__builtin_mul_overflow(blocks, uint64_t(info.typeSize), &bytes))
        return std::nullopt;
    return bytes;
}

namespace {

std::vector<QuantFormatInfo> baseFormats();

// The symmetric RTN grids beyond int8 and int4-g128, named int{bits}[-g{group}].
struct RtnGrid {
    QuantFormat format;
    int bits;
    int group; // 0: per output channel
};

constexpr RtnGrid kExtraRtnGrids[] = {
    {QuantFormat::Int8G32, 8, 32},   {QuantFormat::Int8G64, 8, 64},
    {QuantFormat::Int8G128, 8, 128}, {QuantFormat::Int4PerChannel, 4, 0},
    {QuantFormat::Int4G32, 4, 32},   {QuantFormat::Int4G64, 4, 64},
    {QuantFormat::Int3G32, 3, 32},   {QuantFormat::Int3G64, 3, 64},
    {QuantFormat::Int3G128, 3, 128}, {QuantFormat::Int2G32, 2, 32},
    {QuantFormat::Int2G64, 2, 64},   {QuantFormat::Int2G128, 2, 128},
};

// Names and descriptions live as long as the table: string_views point into this.
QuantFormatInfo rtnGridInfo(const RtnGrid& g, std::deque<std::string>& text) {
    const int qmax = (1 << (g.bits - 1)) - 1;
    const std::string q = std::to_string(qmax);
    text.push_back("int" + std::to_string(g.bits) +
                   (g.group ? "-g" + std::to_string(g.group) : std::string()));
    const std::string_view name = text.back();
    text.push_back(std::string("symmetric, ") +
                   (g.group ? "groups of " + std::to_string(g.group) +
                                  " along the input "
                                  "dimension"
                            : std::string("per output channel")) +
                   "; scale = absmax/" + q + ", codes -" + q + ".." + q +
                   ", round half to even; fp16 scale" + (g.group ? " per group" : ""));
    return {g.format, name, "rtn", g.bits, g.group, qmax, text.back()};
}

std::vector<QuantFormatInfo> conventionFormats();
std::vector<QuantFormatInfo> kquantFormats();
std::vector<QuantFormatInfo> hqqFormats(std::deque<std::string>& text);
void appendIntFamily(std::vector<QuantFormatInfo>& all, std::deque<std::string>& text);

} // namespace

const std::vector<QuantFormatInfo>& quantFormats() {
    static std::deque<std::string> text; // a deque never moves its elements: views stay valid
    static const std::vector<QuantFormatInfo> formats = [] {
        std::vector<QuantFormatInfo> all = baseFormats();
        for (const auto& g : kExtraRtnGrids)
            all.push_back(rtnGridInfo(g, text));
        for (const auto& f : conventionFormats())
            all.push_back(f);
        appendIntFamily(all, text);
        for (const auto& f : kquantFormats())
            all.push_back(f);
        for (const auto& f : hqqFormats(text)) // after the INT family: intRtnFormat finds RTN
            all.push_back(f);
        return all;
    }();
    return formats;
}

namespace {

// Formats reproducing other tools' conventions, by name.
std::vector<QuantFormatInfo> conventionFormats() {
    QuantFormatInfo ct8{QuantFormat::Int8Ct,
                        "int8-ct",
                        "rtn",
                        8,
                        0,
                        128,
                        "compressed-tensors / llm-compressor symmetric int8 per output channel: "
                        "scale = max(absmax/127.5, 2^-23), code = round(clamp(x/scale, -128, 127)) "
                        "half to even; fp16 scale"};
    ct8.scheme = QuantScheme::SymHalfRange;
    QuantFormatInfo ct4{QuantFormat::Int4G128Ct,
                        "int4-g128-ct",
                        "rtn",
                        4,
                        128,
                        8,
                        "compressed-tensors W4A16 symmetric int4, groups of 128: scale = "
                        "max(absmax/7.5, 2^-23), code = round(clamp(x/scale, -8, 7)) half to even; "
                        "fp16 scale per group"};
    ct4.scheme = QuantScheme::SymHalfRange;
    QuantFormatInfo gptq{
        QuantFormat::Int4G128Gptq,
        "int4-g128-gptq",
        "rtn",
        4,
        128,
        8,
        "GPTQ's symmetric int4 grid (RTN, no Hessian update), groups of 128: "
        "xmax = max(|min|, max) with 0 in range, xmin = -xmax when min < 0 (else 0), "
        "scale = (xmax - xmin)/15, zero = 8, q = clamp(round(x/scale) + 8, 0, 15); "
        "fp16 scale and 4-bit qzeros per group, as GPTQ checkpoints store"};
    gptq.scheme = QuantScheme::SymGptq;
    gptq.zeroBits = 4;
    std::vector<QuantFormatInfo> out{ct8, ct4, gptq};
    for (const bool nf : {true, false})
        for (const bool dq : {false, true}) {
            QuantFormatInfo f{
                nf ? (dq ? QuantFormat::Nf4Dq : QuantFormat::Nf4)
                   : (dq ? QuantFormat::Fp4Dq : QuantFormat::Fp4),
                nf ? (dq ? "nf4-dq" : "nf4") : (dq ? "fp4-dq" : "fp4"),
                "rtn",
                4,
                64,
                0,
                nf ? (dq ? "bitsandbytes NF4, blocks of 64: code = nearest NF4 value "
                           "to x*(1/absmax) (bnb's decision tree); absmax double-"
                           "quantized: minus its tensor mean, 8-bit dynamic map, "
                           "blocks of 256 with f32 absmax (compress_statistics); blocks restart at "
                           "each row"
                         : "bitsandbytes NF4, blocks of 64: code = nearest NF4 value "
                           "to x*(1/absmax) (bnb's decision tree); f32 absmax; blocks restart at "
                           "each row")
                   : (dq ? "bitsandbytes FP4 (E2M1 code book / 12), blocks of 64, "
                           "bnb's decision tree; absmax double-quantized: minus its "
                           "tensor mean, 8-bit dynamic map, blocks of 256; blocks restart at each "
                           "row"
                         : "bitsandbytes FP4 (E2M1 code book / 12), blocks of 64, "
                           "bnb's decision tree; f32 absmax; blocks restart at each row")};
            f.scheme = nf ? QuantScheme::Nf4 : QuantScheme::Fp4;
            f.scaleBits = dq ? 8 : 32;
            f.doubleQuant = dq;
            out.push_back(f);
        }
    QuantFormatInfo e4{QuantFormat::Fp8E4M3Tensor,
                       "fp8-e4m3-tensor",
                       "rtn",
                       8,
                       0,
                       0,
                       "OCP FP8 E4M3FN, one f32 scale for the whole tensor = absmax/448, x/scale "
                       "rounded to nearest even, saturating (vLLM/compressed-tensors per-tensor)",
                       QuantKind::Block,
                       DType::F32,
                       4,
                       1};
    e4.perTensor = true;
    QuantFormatInfo e5{QuantFormat::Fp8E5M2Tensor,
                       "fp8-e5m2-tensor",
                       "rtn",
                       8,
                       0,
                       0,
                       "OCP FP8 E5M2, one f32 scale for the whole tensor = absmax/57344, x/scale "
                       "rounded to nearest even, saturating",
                       QuantKind::Block,
                       DType::F32,
                       4,
                       1};
    e5.perTensor = true;
    out.push_back(e4);
    out.push_back(e5);
    return out;
}

// Enumerator values of the INT-n family members that have no named enumerator.
constexpr int kIntFamilyBase = 0x1000;

std::string groupingWords(int group) {
    if (group < 0)
        return "one scale for the whole tensor";
    if (group == 0)
        return "per output channel";
    return "groups of " + std::to_string(group) + " along the input dimension";
}

QuantFormatInfo intFamilyInfo(int bits, int group, bool asym, QuantFormat id,
                              std::deque<std::string>& text) {
    const int qmax = asym ? (1 << bits) - 1 : (1 << (bits - 1)) - 1;
    text.push_back("int" + std::to_string(bits) + (group < 0 ? "-tensor" : "") +
                   (group > 0 ? "-g" + std::to_string(group) : "") + (asym ? "-asym" : ""));
    const std::string_view name = text.back();
    const std::string q = std::to_string(qmax);
    if (asym)
        text.push_back("asymmetric (GPTQ/AWQ min-max), " + groupingWords(group) +
                       "; lo = min(x, 0), hi = max(x, 0), scale = (hi - lo)/" + q +
                       ", zero = round(-lo/scale), q = clamp(round(x/scale) + zero, 0, " + q +
                       "), round half to even; fp16 scale and " + std::to_string(bits) +
                       "-bit zero point");
    else // "per-tensor symmetric": per-row kernels match conventions on "symmetric, ..."
        text.push_back(std::string(group < 0 ? "per-tensor symmetric, " : "symmetric, ") +
                       groupingWords(group) + "; scale = absmax/" + q + ", codes -" + q + ".." + q +
                       ", round half to even; fp16 scale");
    QuantFormatInfo info{id, name, "rtn", bits, std::max(group, 0), qmax, text.back()};
    info.scheme = asym ? QuantScheme::Asym : QuantScheme::SymAbsmax;
    info.perTensor = group < 0;
    info.zeroBits = asym ? bits : 0;
    return info;
}

// The INT-n RTN grid: n in {2,3,4,8} x {tensor, channel, 32, 64, 128} x {sym, asym}.
// Symmetric members that already have an enumerator keep it (and their name).
void appendIntFamily(std::vector<QuantFormatInfo>& all, std::deque<std::string>& text) {
    int next = kIntFamilyBase;
    for (const bool asym : {false, true})
        for (const int bits : {8, 4, 3, 2})
            for (const int group : {-1, 0, 32, 64, 128}) {
                bool exists = false;
                for (const auto& f : all)
                    exists |= f.scheme == QuantScheme::SymAbsmax && !asym && f.bits == bits &&
                              f.kind == QuantKind::Rtn && !f.perTensor && group >= 0 &&
                              f.groupSize == group;
                if (!exists)
                    all.push_back(intFamilyInfo(bits, group, asym, QuantFormat(next++), text));
            }
}

// Quantlens's first formats and the GGUF/FP8 block formats, in the order users see them.
std::vector<QuantFormatInfo> baseFormats() {
    return {
        {QuantFormat::Int8PerChannel, "int8", "rtn", 8, 0, 127,
         "symmetric per output channel; scale = absmax/127 (as GGUF Q8_0), codes -127..127, "
         "round half to even; fp16 scale"},
        {QuantFormat::Int4G128, "int4-g128", "rtn", 4, 128, 7,
         "symmetric, groups of 128 along the input dimension; scale = absmax/7, codes -7..7, "
         "round half to even; fp16 scale per group"},
        {QuantFormat::F16, "f16", "convert", 16, 0, 0,
         "IEEE binary16, round to nearest even (ggml's fp32->fp16)", QuantKind::Block, DType::F16},
        {QuantFormat::Q8_0, "q8_0", "rtn", 8, 32, 127,
         "GGUF Q8_0: blocks of 32, fp16 scale = absmax/127, codes round(x/scale) (half away "
         "from zero); 8.5 bpw",
         QuantKind::Block, DType::Q8_0},
        {QuantFormat::Q4_0, "q4_0", "rtn", 4, 32, 8,
         "GGUF Q4_0: blocks of 32, fp16 scale = -(signed absmax)/8, codes 0..15 with offset 8; "
         "4.5 bpw",
         QuantKind::Block, DType::Q4_0},
        {QuantFormat::Q4_1, "q4_1", "rtn", 4, 32, 15,
         "GGUF Q4_1: blocks of 32, fp16 scale = (max-min)/15 and fp16 min, codes 0..15; 5.0 bpw",
         QuantKind::Block, DType::Q4_1},
        {QuantFormat::Q5_0, "q5_0", "rtn", 5, 32, 16,
         "GGUF Q5_0: blocks of 32, fp16 scale = -(signed absmax)/16, codes 0..31 with offset 16; "
         "5.5 bpw",
         QuantKind::Block, DType::Q5_0},
        {QuantFormat::Q5_1, "q5_1", "rtn", 5, 32, 31,
         "GGUF Q5_1: blocks of 32, fp16 scale = (max-min)/31 and fp16 min, codes 0..31; 6.0 bpw",
         QuantKind::Block, DType::Q5_1},
        {QuantFormat::Fp8E4M3, "fp8-e4m3", "rtn", 8, 0, 0,
         "OCP FP8 E4M3FN (max 448, no infinities), per output channel f32 scale = absmax/448, "
         "x/scale rounded to nearest even, saturating (vLLM/compressed-tensors per-channel)",
         QuantKind::Block, DType::F32, 4, 1},
        {QuantFormat::Fp8E5M2, "fp8-e5m2", "rtn", 8, 0, 0,
         "OCP FP8 E5M2 (max 57344), per output channel f32 scale = absmax/57344, x/scale "
         "rounded to nearest even, saturating",
         QuantKind::Block, DType::F32, 4, 1},
    };
}

} // namespace

const QuantFormatInfo& quantFormatInfo(QuantFormat format) {
    for (const auto& info : quantFormats())
        if (info.format == format)
            return info;
    throw std::logic_error("quantFormatInfo: unknown QuantFormat");
}

std::optional<QuantFormat> quantFormatFromName(std::string_view name) {
    for (const auto& info : quantFormats())
        if (info.name == name)
            return info.format;
    return std::nullopt;
}

std::optional<QuantFormat> intRtnFormat(int bits, int group, QuantScheme scheme) {
    for (const auto& info : quantFormats())
        if (info.kind == QuantKind::Rtn && info.scheme == scheme && info.bits == bits &&
            info.perTensor == (group < 0) && info.groupSize == std::max(group, 0))
            return info.format;
    return std::nullopt;
}

int codeOffset(const QuantFormatInfo& info) {
    const bool unsignedCodes =
        info.scheme == QuantScheme::Asym || info.scheme == QuantScheme::SymGptq;
    return unsignedCodes ? 1 << (info.bits - 1) : 0;
}

bool needsWholeTensor(QuantFormat format) {
    const auto& info = quantFormatInfo(format);
    return info.perTensor || info.doubleQuant || info.method == "hqq";
}

int64_t groupsPerRow(QuantFormat format, int64_t cols) {
    const int g = quantFormatInfo(format).groupSize;
    return g == 0 ? 1 : (cols + g - 1) / g;
}

int64_t blockMultiple(QuantFormat format) {
    const auto& info = quantFormatInfo(format);
    if (info.kind != QuantKind::Block || info.bytesPerCode > 0)
        return 1;
    return dtypeInfo(info.storage).blockSize;
}

uint64_t packedRowBytes(QuantFormat format, int64_t cols) {
    const auto& info = quantFormatInfo(format);
    if (info.bytesPerCode > 0)
        return uint64_t(info.rowHeaderBytes) + uint64_t(cols) * uint64_t(info.bytesPerCode);
    return dtypeBytes(info.storage, uint64_t(cols)).value_or(0);
}

namespace {

// llama-quantize's substitute for a K-quant whose rows are not whole super-blocks
// (llama_tensor_get_type: Q2_K/Q3_K -> IQ4_NL, Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0).
std::optional<QuantFormat> kquantSubstitute(QuantFormat format) {
    switch (format) {
    case QuantFormat::Q2_K:
    case QuantFormat::Q3_K:
        return QuantFormat::IQ4_NL;
    case QuantFormat::Q4_K:
    case QuantFormat::Q4_KLsq:
        return QuantFormat::Q5_0;
    case QuantFormat::Q5_K:
        return QuantFormat::Q5_1;
    case QuantFormat::Q6_K:
        return QuantFormat::Q8_0;
    default:
        return std::nullopt;
    }
}

} // namespace

QuantFormat fallbackFormat(QuantFormat format, int64_t cols) {
    if (cols % blockMultiple(format) == 0)
        return format;
    // As llama-quantize: the K-quant's substitute when its blocks fit, else F16.
    if (const auto sub = kquantSubstitute(format); sub && cols % blockMultiple(*sub) == 0)
        return *sub;
    return QuantFormat::F16;
}

uint64_t quantizedBytes(QuantFormat format, int64_t rows, int64_t cols) {
    const auto& info = quantFormatInfo(format);
    if (info.kind == QuantKind::Block && info.perTensor) // the row scale is stored once
        return uint64_t(rows) * (packedRowBytes(format, cols) - uint64_t(info.rowHeaderBytes)) +
               uint64_t(info.rowHeaderBytes);
    if (info.kind == QuantKind::Block)
        return uint64_t(rows) * packedRowBytes(format, cols);
    const uint64_t codeBytesPerRow = (uint64_t(cols) * uint64_t(info.bits) + 7) / 8;
    const uint64_t groups = info.perTensor ? 1 : uint64_t(groupsPerRow(format, cols));
    const uint64_t groupRows = info.perTensor ? 1 : uint64_t(rows);
    const uint64_t scaleBytes = groupRows * groups * uint64_t(info.scaleBits) / 8;
    // Zero points packed across the whole tensor, as GPTQ/AWQ checkpoints pack qzeros over
    // output channels: a per-channel 4-bit zero costs 4 bits a row, not a byte.
    const uint64_t zeroBytes = (groupRows * groups * uint64_t(info.zeroBits) + 7) / 8;
    // bitsandbytes' nested state: one f32 absmax per 256 quantized absmax values plus the
    // f32 mean subtracted before; the two code books are format constants, not counted.
    const uint64_t doubleQuantBytes =
        info.doubleQuant ? 4 * ((groupRows * groups + 255) / 256) + 4 : 0;
    return uint64_t(rows) * codeBytesPerRow + scaleBytes + zeroBytes + doubleQuantBytes;
}

namespace {

// GGUF K-quants and IQ4_NL (engine/quant/kquant_encode.h). Bits per weight count the
// super-block scales: bytes per block * 8 / values per block.
std::vector<QuantFormatInfo> kquantFormats() {
    const auto block = [](QuantFormat f, std::string_view name, int bits, int qmax,
                          std::string_view convention, DType storage) {
        QuantFormatInfo info{f, name, "ggml-kquant", bits, kQK_K, qmax, convention};
        info.kind = QuantKind::Block;
        info.storage = storage;
        if (storage == DType::IQ4_NL) {
            info.method = "ggml-iq";
            info.groupSize = 32;
        }
        return info;
    };
    const auto lsq = [](QuantFormatInfo info) {
        info.method = kLsqMethod;
        return info;
    };
    return {
        block(QuantFormat::Q2_K, "q2_k", 2, 3,
              "GGUF Q2_K, llama.cpp's encoder byte for byte: super-blocks of 256, 16 sub-blocks "
              "of 16 with a 4-bit scale and 4-bit min under fp16 d and dmin, 2-bit codes; "
              "weighted min/scale search (|x| weights, 16 candidates); 2.625 bpw",
              DType::Q2_K),
        block(QuantFormat::Q3_K, "q3_k", 3, 4,
              "GGUF Q3_K, llama.cpp's encoder byte for byte: super-blocks of 256, 16 sub-blocks "
              "of 16 with a signed 6-bit scale under an fp16 d, codes -4..3; x^2-weighted scale "
              "refinement; 3.4375 bpw",
              DType::Q3_K),
        block(QuantFormat::Q4_K, "q4_k", 4, 15,
              "GGUF Q4_K, llama.cpp's encoder byte for byte: super-blocks of 256, 8 sub-blocks of "
              "32 with 6-bit scale and min under fp16 d and dmin, codes 0..15; 21-candidate "
              "weighted scale/min search per sub-block; 4.5 bpw",
              DType::Q4_K),
        lsq(block(QuantFormat::Q4_KLsq, "q4_k-lsq", 4, 15,
                  "GGUF Q4_K bytes (llama.cpp loads them as any Q4_K) from Quantlens' own "
                  "search, NOT llama-quantize's bytes: per sub-block of 32 three candidate grids "
                  "fitted by unweighted least squares plus one Lloyd step, then per super-block "
                  "the best of 2 x 3 6-bit scale/min pairs around the fit under two fp16 "
                  "super-scales (max/63, max/62); RMSE no worse than q4_k's on llama.cpp's "
                  "goldens, several times faster; no importance vector; 4.5 bpw",
                  DType::Q4_K)),
        block(QuantFormat::Q5_K, "q5_k", 5, 31,
              "GGUF Q5_K, llama.cpp's encoder byte for byte: as Q4_K with 5-bit codes 0..31 and "
              "a 16-candidate search; 5.5 bpw",
              DType::Q5_K),
        block(QuantFormat::Q6_K, "q6_k", 6, 32,
              "GGUF Q6_K, llama.cpp's encoder byte for byte: super-blocks of 256, 16 sub-blocks "
              "of 16 with an int8 scale under an fp16 d, codes -32..31; 19-candidate x^2-weighted "
              "scale search; 6.5625 bpw",
              DType::Q6_K),
        block(QuantFormat::IQ4_NL, "iq4_nl", 4, 127,
              "GGUF IQ4_NL, llama.cpp's encoder byte for byte: blocks of 32, fp16 scale, 4-bit "
              "indices into the non-linear code book -127..113; 16-candidate x^2-weighted scale "
              "search; 4.5 bpw",
              DType::IQ4_NL),
    };
}

// HQQ (engine/quant/hqq.h) on the asymmetric grid of groups of 64. HQQ's meta holds the
// scale and zero in fp16 (quant_zero / quant_scale off, its default): 32 bits per group.
// The solver's constants are hqq.h's HqqParams defaults (a test pins them to this text).
// The start's zero is rounded at 4 bits only, as HQQ's BaseQuantizeConfig sets round_zero
// (hqqRoundsZero): the same start, so the same solve, as a user of HQQ gets.
std::vector<QuantFormatInfo> hqqFormats(std::deque<std::string>& text) {
    const std::pair<QuantFormat, int> kHqq[] = {{QuantFormat::HqqInt2G64, 2},
                                                {QuantFormat::HqqInt3G64, 3},
                                                {QuantFormat::HqqInt4G64, 4},
                                                {QuantFormat::HqqInt8G64, 8}};
    std::vector<QuantFormatInfo> out;
    for (const auto& [format, bits] : kHqq) {
        const std::string maxq = std::to_string((1 << bits) - 1);
        text.push_back("hqq-int" + std::to_string(bits) + "-g64");
        const std::string_view name = text.back();
        text.push_back(
            "HQQ (mobiusml/hqq, data-free half-quadratic solver), asymmetric int" +
            std::to_string(bits) +
            ", groups of 64 along the input dimension: min/max start (step = (max - min)/" + maxq +
            (bits == 4 ? ", zero = -min/step rounded to an integer, as HQQ's BaseQuantizeConfig "
                         "sets round_zero at 4 bits)"
                       : ", zero = -min/step, not rounded: HQQ's BaseQuantizeConfig sets "
                         "round_zero at 4 bits only)") +
            ", then up to 20 rounds "
            "of an Lp proximal step (p = 0.7, beta = 10 growing by kappa = 1.01) and a "
            "closed-form zero update, stopping early when the tensor's mean |w - dequantized| "
            "stops falling; q = clamp(round(w/step + zero), 0, " +
            maxq + ") half to even; fp16 scale and fp16 zero per group, as HQQ stores them");
        QuantFormatInfo info{format, name, "hqq", bits, 64, (1 << bits) - 1, text.back()};
        info.scheme = QuantScheme::Asym;
        info.zeroBits = 16;
        out.push_back(info);
    }
    return out;
}

} // namespace

} // namespace ql
