#pragma once
// ggml's importance-weighted encoders of the legacy block types (ggml-quants.c:
// quantize_row_q4_0_impl, _q4_1_impl, _q5_0_impl, _q5_1_impl), which llama-quantize uses for
// Q4_0, Q4_1, Q5_0 and Q5_1 when it has an imatrix. Per block of 32 the weights are
// importance[j] * sqrt(sigma2 + x[j]^2), sigma2 the row's mean square; the scale comes from
// the weighted searches of kquant_encode_search.h (make_qx_quants for the symmetric types,
// make_qkx3_quants with rmin -0.9, rdelta 0.05, 36 steps for the ones with a min).
#include <cstddef>
#include <cstdint>

namespace ql {

// n is a multiple of 32; importance holds n weights; dst gets n / 32 blocks.
void quantizeRowQ4_0Importance(const float* x, std::byte* dst, int64_t n, const float* importance);
void quantizeRowQ4_1Importance(const float* x, std::byte* dst, int64_t n, const float* importance);
void quantizeRowQ5_0Importance(const float* x, std::byte* dst, int64_t n, const float* importance);
void quantizeRowQ5_1Importance(const float* x, std::byte* dst, int64_t n, const float* importance);

// sigma2 of those encoders: the mean square of a row of n values, summed in float in
// element order as ggml does.
float ggmlRowMeanSquare(const float* x, int64_t n);

} // namespace ql
