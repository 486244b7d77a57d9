#pragma once
// AVX-512 bodies of the CPU path's two compare-heavy encoders, sixteen lanes with the
// branches as mask registers: FP8's bit-level encoder (the integer steps of encodeFp8Avx2
// and floatToFp8Bits) and NF4's binary search over the thresholds (that of
// quantizeRowNf4Avx2), so the same codes: both are compiled from fp8_nf4_kernel.inc.
// Called only where cpuHasAvx512() says so.
#include "engine/quant/fp8.h"

#include <cstdint>

namespace ql {

bool cpuHasAvx512();
// Codes of x[0..n) / scale for the first n / 16 * 16 values.
void encodeFp8Avx512(const float* x, uint8_t* codes, int64_t n, Fp8Kind kind, float scale);
// NF4 codes of x[j] * inv for the first n / 16 * 16 values (bnb's decision tree).
void encodeNf4Avx512(const float* x, int64_t n, float inv, int8_t* codes);
// One NF4 row as quantizeRowNf4Avx2: each group's absmax into scales[g], then its codes.
void quantizeRowNf4Avx512(const float* x, int64_t cols, int64_t groupLen, int8_t* codes,
                          float* scales);

} // namespace ql
