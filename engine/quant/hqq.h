#pragma once
// HQQ (Half-Quadratic Quantization, mobiusml/hqq, optimize_weights_proximal_legacy): a
// data-free search for each group's zero point. Start from min/max RTN (inverse step
// s = maxq / (max - min), zero = -min * s), then alternate
//   q = clamp(round(x * s + zero), 0, maxq),  r = (q - zero) / s,
//   e = shrink_p(x - r, beta)  (sign(t) * max(|t| - |t|^(p-1) / beta, 0), an Lp proximal step),
//   zero = mean(q - (x - e) * s)  per group,  beta *= kappa,
// for at most `iterations` rounds, stopping as soon as the tensor's mean |x - r| stops
// falling (as HQQ does, after that round's zero update). Steps stay those of min/max.
// The starting zero is rounded to an integer when HqqParams::roundZero asks for it, as
// Quantizer.quantize's round_zero does; the registered formats follow HQQ's
// BaseQuantizeConfig, which sets it at 4 bits only (hqqRoundsZero).
//
// The early stop looks at the whole tensor, so HQQ formats are quantized in one call per
// tensor (needsWholeTensor). Each group's sums are float, added in value order, and the
// round's tensor sum adds the groups' in double in group order, so the threaded and
// vector-lane runs (the CPU backend's) and the device's (shaders/hqq_round.comp) give the
// same codes as the one-thread reference.
#include "engine/quant/quantize.h"
#include "engine/quant/simd_level.h"

#include <span>

namespace ql {

struct HqqParams {
    float p = 0.7f;
    float beta = 10.0f;
    float kappa = 1.01f;
    int iterations = 20;
    // Off: all `iterations` rounds run (HQQ's optimize_weights_proximal_v2 early_stop=False).
    bool earlyStop = true;
    // HQQ's round_zero: round the min/max start's zero to an integer before the solver.
    // Off by default, as in Quantizer.quantize. The registered 4-bit format always rounds
    // (BaseQuantizeConfig's setting is part of that format); for an unrounded 4-bit solve
    // use the grid overload of quantizeHqq below.
    bool roundZero = false;
};

// The registered formats hqq-int{2,3,4,8}-g64 (method "hqq" in the format table).
bool isHqqFormat(QuantFormat format);
// The parameters a registered format solves with: `base`, with round_zero where the format
// sets it (hqqRoundsZero).
HqqParams hqqFormatParams(QuantFormat format, const HqqParams& base = {});
// Whether a registered format rounds the start's zero: HQQ's BaseQuantizeConfig sets
// round_zero for nbits == 4 (hqq-int4-g64) and not otherwise.
bool hqqRoundsZero(QuantFormat format);

// Quantizes into a registered HQQ format: codes, fp16-stored steps and fp16 zero points
// (HQQ's meta, unquantized; a zero beyond fp16's range saturates at +-65504). threads > 1
// splits each round's groups over threads, and `lanes` (at most what the CPU has) runs
// groups in vector lanes, both with identical results. Returns the rounds run.
int quantizeHqq(QuantFormat format, std::span<const float> src, int64_t rows, int64_t cols,
                QuantizedTensor& out, const HqqParams& params = {}, int threads = 1,
                SimdLevel lanes = SimdLevel::Scalar);

// The same solver into the asymmetric INT-n RTN grid of the same bits and group (the format
// intRtnFormat(bits, group, QuantScheme::Asym), f32 zero points), for comparing HQQ with RTN
// on one grid. bits in {2, 3, 4, 8}, group in {32, 64, 128}; otherwise
// std::invalid_argument. Returns the rounds run.
int quantizeHqq(std::span<const float> src, int64_t rows, int64_t cols, int bits, int group,
                QuantizedTensor& out, const HqqParams& params = {});

} // namespace ql
