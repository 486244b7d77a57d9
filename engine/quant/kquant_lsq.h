#pragma once
// q4_k-lsq: GGUF Q4_K bytes (llama.cpp loads and decodes them as any Q4_K) from a
// least-squares search of Quantlens' own instead of llama-quantize's weighted 21-candidate
// sweep. Not llama-quantize's bytes: its own RMSE, no worse than llama.cpp's on the
// goldens and the real tensors (tests/engine/kquant_lsq_test.cpp), at several times the
// speed. Per sub-block of 32:
//   1. three candidate grids (14, 14.75 or 15.5 steps over [min(x, 0), max x]), each code
//      assignment fitted by unweighted least squares (scale >= 0, min <= 0), then one
//      Lloyd step (codes again against the best fit, fitted again);
//   2. per super-block two fp16 super-scales, max scale / 63 and / 62, and under each the
//      best of 2 x 3 6-bit scale/min pairs around the fit (scale index floor(s / d) or
//      one above, min index round(m / dmin) -1, +0, +1), by the squared error of the
//      codes they give; the super-scale with the lower total wins.
// Codes are the nearest on the stored grid. A super-scale fp16 would round to 0 under
// nonzero weights (all below about 1e-6) is kept at fp16's smallest subnormal;
// llama-quantize stores 0 there, and each weight decodes to its sub-block's min. No
// importance vector (q4_k takes one).
#include "engine/quant/kquant_encode.h"

#include <cstddef>
#include <cstdint>

namespace ql {

// n is a multiple of 256. The widest level the CPU has, or `level` when the CPU has it
// (Scalar is the reference the vector levels equal byte for byte).
void quantizeRowQ4_KLsq(const float* x, std::byte* dst, int64_t n);
void quantizeRowQ4_KLsq(const float* x, std::byte* dst, int64_t n, SimdLevel level);

} // namespace ql
