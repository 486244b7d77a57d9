#pragma once
// Internals of the HQQ solver (engine/quant/hqq.cpp), exposed for tests that pin its steps
// against HQQ's published formulas and for its vector lanes (hqq_lanes.h).

#include "engine/quant/hqq.h"

#include <cstdint>
#include <functional>

namespace ql {

// One group of HQQ's state: inverse step and (unshifted) zero point.
struct HqqGroup {
    int64_t begin = 0, n = 0;
    float invStep = 0.0f, zero = 0.0f;
};

// HQQ's min/max start for values [begin, begin + n) of x: inverse step
// min(maxq / (max - min), 2e4) (HQQ's clamp; 2e4 for a flat group, max - min = +-0),
// zero -min * step, rounded to an integer when roundZero (HqqParams::roundZero).
HqqGroup hqqStartGroup(const float* x, int64_t begin, int64_t n, float maxq, bool roundZero);

// A value's code in a group: clamp(nearbyint(x * invStep + zero), 0, maxq).
float hqqCode(float x, const HqqGroup& g, float maxq);

// One proximal round over a group (hqq.h has the formulas): updates its zero; returns its
// sum of |x - r| before the update. Both sums are float, added in value order: the vector
// lanes (hqq_lanes.h) and the shader (shaders/hqq_round.comp) add in that order too, and
// HQQ itself sums in float32 (torch.mean), or float16 on CUDA.
float hqqProximalRound(const float* x, HqqGroup& g, float maxq, float beta, float p, float floor);

// The solver's rounds under HQQ's stop rule (hqq.h), whoever runs them: round(beta, floor)
// runs one round over every group with that beta (floor: hqqShrinkFloor(beta, p)) and
// returns the tensor's sum of |x - r|, its groups' float sums added in double in group
// order, so that the stop falls on the same round for every backend. Returns the rounds.
int hqqSolveRounds(const HqqParams& params, int64_t values,
                   const std::function<double(float beta, float floor)>& round);

// The zero point a format stores for a solved group, less the format's code offset: fp16
// (HQQ's meta, saturating at +-65504; a NaN zero as the one positive quiet NaN) for the
// registered formats, f32 for the RTN grid of quantizeHqq's second overload.
float hqqStoredZero(float zero, bool fp16Zeros, float offset);

// HQQ's shrink_lp_op, the proximal step of the Lp norm (p < 1) with weight beta:
// sign(t) * max(|t| - |t|^(p-1) / beta, 0); 0 at t = 0.
float hqqShrink(float t, float beta, float p);

// The |t| below which that shrink is 0 without computing the power. For p < 1 the shrink
// acts only where |t| > |t|^(p-1) / beta, i.e. |t|^(2-p) > 1 / beta, i.e. |t| above
// beta^(-1/(2-p)); the floor lies a relative 1e-4 below that, far more than the float
// power and division can err (a few 1e-7), so under it hqqShrink's own test also gives
// 0. At 4 and 8 bits every residual of an LLM's weights is far below it (0.17 at HQQ's
// p = 0.7, beta = 10; half a step of a group of range r is r / 30 at 4 bits): no power is
// computed at all; groups of range above about 1 at 2 bits and about 2.4 at 3 bits reach it. 0 (no
// shortcut) unless p < 1 and beta is positive and finite.
float hqqShrinkFloor(float beta, float p);
// hqqShrink(t, beta, p) for every t, skipping the power below `floor` (hqqShrinkFloor).
float hqqShrink(float t, float beta, float p, float floor);

} // namespace ql
