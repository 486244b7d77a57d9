#pragma once
// AVX2 versions of the CPU path's two compare-heavy loops (NF4's threshold count and the
// FP8 bit-level encoder), eight lanes instead of four. Same operations in the same order
// as the SSE2 loops, so the codes are the same; chosen at run time when the CPU has AVX2.
#include "engine/quant/fp8.h"

#include <cstdint>

namespace ql {

bool cpuHasAvx2();
// n a multiple of 8; inv as in encodeNf4.
void encodeNf4Avx2(const float* x, int64_t n, float inv, int8_t* codes);
// Codes of x[0..n) / scale, n a multiple of 8.
void encodeFp8Avx2(const float* x, uint8_t* codes, int64_t n, Fp8Kind kind, float scale);

} // namespace ql
