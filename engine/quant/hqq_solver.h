#pragma once
// Internals of the HQQ solver (engine/quant/hqq.cpp), exposed for tests that pin its steps
// against HQQ's published formulas.

namespace ql {

// HQQ's shrink_lp_op, the proximal step of the Lp norm (p < 1) with weight beta:
// sign(t) * max(|t| - |t|^(p-1) / beta, 0); 0 at t = 0.
float hqqShrink(float t, float beta, float p);

} // namespace ql
