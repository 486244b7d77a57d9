#pragma once
// HQQ (Half-Quadratic Quantization, mobiusml/hqq, optimize_weights_proximal_legacy): a
// data-free search for each group's zero point. Start from min/max RTN (inverse step
// s = maxq / (max - min), zero = -min * s), then alternate
//   q = clamp(round(x * s + zero), 0, maxq),  r = (q - zero) / s,
//   e = shrink_p(x - r, beta)  (sign(t) * max(|t| - |t|^(p-1) / beta, 0), an Lp proximal step),
//   zero = mean(q - (x - e) * s)  per group,  beta *= kappa,
// for at most `iterations` rounds, stopping as soon as the tensor's mean |x - r| stops
// falling (as HQQ does, after that round's zero update). Steps stay those of min/max.
#include "engine/quant/quantize.h"

#include <span>

namespace ql {

struct HqqParams {
    float p = 0.7f;
    float beta = 10.0f;
    float kappa = 1.01f;
    int iterations = 20;
};

// Quantizes into the asymmetric INT-n grid of the same bits and group (the format
// intRtnFormat(bits, group, QuantScheme::Asym), groups along each row) with HQQ's zero
// points: codes, fp16-stored steps and float zero points fill out. bits in {2, 3, 4, 8},
// group in {32, 64, 128}; otherwise std::invalid_argument. Returns the rounds run.
int quantizeHqq(std::span<const float> src, int64_t rows, int64_t cols, int bits, int group,
                QuantizedTensor& out, const HqqParams& params = {});

} // namespace ql
