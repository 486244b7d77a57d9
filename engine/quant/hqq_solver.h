#pragma once
// Internals of the HQQ solver (engine/quant/hqq.cpp), exposed for tests that pin its steps
// against HQQ's published formulas and for its vector lanes (hqq_lanes.h).

#include <cstdint>

namespace ql {

// One group of HQQ's state: inverse step and (unshifted) zero point.
struct HqqGroup {
    int64_t begin = 0, n = 0;
    float invStep = 0.0f, zero = 0.0f;
};

// HQQ's shrink_lp_op, the proximal step of the Lp norm (p < 1) with weight beta:
// sign(t) * max(|t| - |t|^(p-1) / beta, 0); 0 at t = 0.
float hqqShrink(float t, float beta, float p);

} // namespace ql
