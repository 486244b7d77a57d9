#pragma once
// AVX2 versions of the CPU path's compare-heavy loops (NF4's code search, the FP8
// bit-level encoder, a group's absmax), eight lanes instead of four, giving the SSE2
// loops' codes exactly; chosen at run time when the CPU has AVX2. The FP8 and NF4 bodies
// and absMax are fp8_nf4_kernel.inc, the source of the AVX-512 ones too.
#include "engine/quant/fp8.h"

#include <cstdint>

namespace ql {

bool cpuHasAvx2();
// n a multiple of 8; inv as in encodeNf4.
void encodeNf4Avx2(const float* x, int64_t n, float inv, int8_t* codes);
// One NF4 row fused: for each group of groupLen values (the last may be shorter), its
// absmax into scales[g] and its codes, as groupStats + groupParams + encodeNf4 give them,
// without a call and table set-up per group.
void quantizeRowNf4Avx2(const float* x, int64_t cols, int64_t groupLen, int8_t* codes,
                        float* scales);
// The largest |x[j]|, as absMaxSse for NaN-free input; NaNs are skipped, as the scalar
// std::max(m, |x[j]|) skips them.
float absMaxAvx2(const float* x, int64_t n);
// Symmetric absmax codes clamp(round_even(x * inv), -qmax, qmax) of the first n / 8 * 8
// values.
void encodeSymAbsmaxAvx2(const float* x, int64_t n, float inv, int qmax, int8_t* codes);
// Codes of x[0..n) / scale, n a multiple of 8.
void encodeFp8Avx2(const float* x, uint8_t* codes, int64_t n, Fp8Kind kind, float scale);

} // namespace ql
