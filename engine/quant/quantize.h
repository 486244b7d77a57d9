#pragma once
// Quantized tensors and the scalar reference quantizers: the source of truth that the
// CPU and Vulkan paths must reproduce code for code.
//
// Rounding contract shared by every path (ref, cpu, shaders/*.comp):
//   absmax over the group (exact), scale = absmax / qmax (f32 division),
//   inv = 1 / scale when that is finite, else 0 (f32 division; a zero or tiny subnormal
//   scale gives all-zero codes, which its fp16 storage would give anyway),
//   code = clamp(roundEven(x * inv), -qmax, qmax).
// Groups whose absmax is itself subnormal may differ on devices that flush denormals;
// real weights never have such groups (documented tie rule of the conformance suite).
// No fused multiply-add anywhere (-ffp-contract=off, `precise` in GLSL).
#include "engine/quant/formats.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ql {

// Other schemes (QuantScheme in formats.h), in the tools' own arithmetic:
//   SymHalfRange: scale = max(absmax / ((2^n - 1) / 2), FLT_EPSILON),
//                 code = roundEven(clamp(x / scale, -2^(n-1), 2^(n-1) - 1));
//   SymGptq/Asym: lo = min(x, 0), hi = max(x, 0) (sym: hi = max(-lo, hi), lo = -hi if lo < 0),
//                 lo = -1, hi = 1 when both are 0; scale = (hi - lo) / maxq; zero = (maxq+1)/2
//                 (sym) or roundEven(-lo / scale); q = clamp(roundEven(x / scale) + zero, 0, maxq);
//   Nf4/Fp4:      scale = absmax (f32), code = bitsandbytes' decision tree on x * (1 / absmax).
// Per-tensor formats compute the statistics over the whole tensor and repeat the one scale
// in every row's slot (quantizedBytes counts it once).

// bitsandbytes' nested quantization of the per-block absmax (compress_statistics=True):
// absmax - offset (its mean) in blocks of 256, each coded by the 8-bit dynamic map.
struct DoubleQuantState {
    float offset = 0.0f;
    std::vector<uint8_t> codes; // one per absmax, indices into dynamicQuantMap()
    std::vector<float> absmax;  // one f32 per 256 codes
};

struct QuantizedTensor {
    QuantFormat format = QuantFormat::Int8PerChannel;
    int64_t rows = 0;
    int64_t cols = 0;
    std::vector<int8_t> codes;     // rows * cols, one code per weight (unpacked)
    std::vector<float> scales;     // rows * groupsPerRow(format, cols), f32 as computed
    std::vector<float> zeros;      // like scales when the format stores zero points, else empty
    DoubleQuantState doubleQuant;  // formats with doubleQuant only
    std::vector<std::byte> packed; // QuantKind::Block: the storage type's bytes, by row
    std::string backend;           // which path computed it: "ref", "cpu", "vulkan (<device>)"

    void resize(QuantFormat f, int64_t r, int64_t c);
    // Stored scales are fp16 (as in GGUF and GPTQ checkpoints), f32 (bitsandbytes absmax)
    // or double-quantized; dequantization uses the stored value so that the error
    // reflects what would ship.
    float storedScale(int64_t row, int64_t group) const;
    void dequantizeRow(int64_t row, float* out) const;
    std::vector<float> dequantize() const;
};

// The reference encoder of one row of a block format (ggml's scalar encoders; q4_k-lsq's
// scalar lanes): the bytes every CPU and device path must equal.
using RowEncoder = void (*)(const float*, std::byte*, int64_t);
RowEncoder referenceRowEncoder(QuantFormat format);

// Encodes rows [rowBegin, rowEnd) of a block format into out.packed (already sized by
// out.resize). The scalar row encoders are ggml's; the CPU path runs them over threads.
void quantizeBlockRows(QuantFormat format, const float* src, int64_t rowBegin, int64_t rowEnd,
                       int64_t cols, QuantizedTensor& out);

// Per-tensor FP8: writes absmax / max finite into every row header before rows are encoded.
void storeTensorFp8Scale(QuantFormat format, float absmax, QuantizedTensor& out);
// Double-quantizes out.scales into out.doubleQuant when the format asks for it.
void finishDoubleQuant(QuantizedTensor& out);

// Scalar reference: one weight at a time, no threads, no vectorisation.
void quantizeReference(QuantFormat format, std::span<const float> src, int64_t rows, int64_t cols,
                       QuantizedTensor& out);

} // namespace ql
