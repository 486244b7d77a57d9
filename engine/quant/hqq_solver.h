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

// The |t| below which that shrink is 0 without computing the power. For p < 1 the shrink
// acts only where |t| > |t|^(p-1) / beta, i.e. |t|^(2-p) > 1 / beta, i.e. |t| above
// beta^(-1/(2-p)); the floor lies a relative 1e-4 below that, far more than the float
// power and division can err (a few 1e-7), so under it hqqShrink's own test also gives
// 0. For LLM weights every residual is far below it (|t| < 0.17 at HQQ's p = 0.7,
// beta = 10): no power is computed at all. 0 (no shortcut) unless p < 1 and beta is
// positive and finite.
float hqqShrinkFloor(float beta, float p);
// hqqShrink(t, beta, p) for every t, skipping the power below `floor` (hqqShrinkFloor).
float hqqShrink(float t, float beta, float p, float floor);

} // namespace ql
