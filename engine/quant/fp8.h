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

// One row: a float32 scale (absmax / max finite) followed by n codes of x / scale.
void quantizeRowFp8(const float* x, uint8_t* dst, int64_t n, Fp8Kind kind);
void dequantizeRowFp8(const uint8_t* src, float* dst, int64_t n, Fp8Kind kind);

} // namespace ql
