#pragma once
// One round of HQQ's proximal solver (hqqProximalRound in hqq.cpp) for W groups at once, one
// group per vector lane, each lane doing the scalar round's float operations in
// its order, so zeros and error sums are bit for bit the scalar ones. The Lp shrink's
// |t|^(p-1) is libm's powf, called for each lane where the scalar round calls it (at or
// above hqqShrinkFloor): a vector power would round differently. Compiled for AVX2 (8 lanes) and
// AVX-512 (16) in hqq_lanes_kernel.inc; called after a run-time check (hqq.cpp).
#include "engine/quant/hqq_solver.h"

namespace ql::hqq {

#define QL_HQQ_LANE_ENTRY_POINTS                                                                   \
    /* groups[0..kLanes): all of the same length; floor: hqqShrinkFloor(beta, p). Updates */       \
    /* their zeros, writes each one's sum |x - r| before the update. */                            \
    void proximalRounds(const float* x, HqqGroup* groups, float maxq, float beta, float p,         \
                        float floor, float* absErrors);

namespace avx2 {
constexpr int kLanes = 8;
QL_HQQ_LANE_ENTRY_POINTS
} // namespace avx2
namespace avx512 {
constexpr int kLanes = 16;
QL_HQQ_LANE_ENTRY_POINTS
} // namespace avx512

#undef QL_HQQ_LANE_ENTRY_POINTS

} // namespace ql::hqq
