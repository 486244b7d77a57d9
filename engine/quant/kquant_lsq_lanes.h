#pragma once
// The three steps of the q4_k-lsq encoder (kquant_lsq.h), each over W sub-blocks of 32
// at once, one per lane: a scalar version (W = 8, the reference the vector ones must
// equal bit for bit) and the vector kernels of kquant_lsq_kernel.inc. Sub-block k's
// values are x[32 * k + i]; `xt` is the transposed copy fit() leaves for refine()
// (xt[i * W + k]).
#include <cstdint>

namespace ql::kquant::lsq {

constexpr int kSub = 32;
// Stage 1's inverse scales are kCandidates[c] / range: a grid of 14, 14.75 or 15.5 steps
// over the sub-block's range, around llama.cpp's 15.
constexpr float kCandidates[] = {14.0f, 14.75f, 15.5f};
// A candidate replaces the best only when it lowers the squared error by more than this
// share of the sub-block's energy: float noise in the closed-form error must not decide
// between fits that are equally good (the first, coarsest one wins those).
constexpr float kTieShare = 1e-6f;
// Stage 2 tries the 6-bit scale indices floor(s / d) and one above (62 and 63 at the top)
// with the min indices round(min / dmin) - 1, + 0 and + 1: 2 x 3 pairs per super-scale.
constexpr int kScaleSteps = 2;
// Added to a product to round it to an integer in the float format itself.
constexpr float kRoundShift = 12582912.0f;

// Per lane: the best 6-bit scale/min pair near the least-squares fit under each of two
// super-scales (dsc0, dsc1), its code/min indices and squared error.
struct RefineOut {
    uint8_t ls[2][16], lm[2][16];
    float err[2][16];
};

#define QL_LSQ_ENTRY_POINTS                                                                        \
    void fit(const float* x, float* xt, float* scales, float* negMins);                            \
    void refine(const float* xt, const float* scales, const float* negMins, const float* dsc0,     \
                const float* dsc1, const float* dmn, RefineOut& out);                              \
    void codes(const float* x, const float* d1, const float* m1, uint8_t* L);

namespace scalar {
constexpr int kLanes = 8;
QL_LSQ_ENTRY_POINTS
} // namespace scalar
namespace avx2 {
constexpr int kLanes = 8;
QL_LSQ_ENTRY_POINTS
} // namespace avx2
namespace avx512 {
constexpr int kLanes = 16;
QL_LSQ_ENTRY_POINTS
} // namespace avx512

#undef QL_LSQ_ENTRY_POINTS

} // namespace ql::kquant::lsq
