#pragma once
// OCP 8-bit floating point (OFP8): E4M3FN (bias 7, no infinities, one NaN pattern per
// sign, max 448) and E5M2 (bias 15, IEEE-like, max 57344). Encoding rounds to nearest
// even and saturates to the largest finite value, as vLLM and compressed-tensors do
// when they cast scaled weights.
#include <cstdint>

namespace ql {

enum class Fp8Kind { E4M3FN, E5M2 };

float fp8ToFloat(uint8_t code, Fp8Kind kind);
uint8_t floatToFp8(float value, Fp8Kind kind); // NaN -> a NaN code; |x| >= max -> +-max
float fp8MaxFinite(Fp8Kind kind);

// The same conversion by integer arithmetic on the float's bits (what the CPU path
// vectorises): equal to floatToFp8 for every float (tested over all codes' neighbourhoods,
// every exponent and random sweeps). Normal results round the mantissa half to even with
// a carry into the exponent; fp8 subnormals are |x| * 2^(bias + m - 1) rounded to even.
uint8_t floatToFp8Bits(float value, Fp8Kind kind);

// Bit-level constants of a kind, for the vectorised encoder.
struct Fp8Bits {
    int mantissaBits;
    int bias;
    uint32_t maxFiniteBits; // f32 bits of the largest finite value
    uint32_t minNormalBits; // f32 bits of the smallest normal value
    uint8_t maxCode;
    uint8_t nanCode;
};
Fp8Bits fp8Bits(Fp8Kind kind);

// One row: a float32 scale (absmax / max finite) followed by n codes of x / scale.
void quantizeRowFp8(const float* x, uint8_t* dst, int64_t n, Fp8Kind kind);
// The same with a given scale (per-tensor formats); a zero scale gives all-zero codes.
void quantizeRowFp8Scaled(const float* x, uint8_t* dst, int64_t n, Fp8Kind kind, float scale);
void dequantizeRowFp8(const uint8_t* src, float* dst, int64_t n, Fp8Kind kind);

} // namespace ql
