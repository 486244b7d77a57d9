// HQQ's solver step by step against its published loop (mobiusml/hqq, hqq/core/optimize.py,
// optimize_weights_proximal_legacy; hqq/core/quantize.py, Quantizer.quantize and
// BaseQuantizeConfig): the shrink step and the zero update worked by hand on one 2-bit
// group, one and two rounds (the second with beta * kappa), the round on which the early
// stop falls (computed here from HQQ's rule on a loop written from the formulas), all 20
// rounds with the early stop off, and round_zero (off unless asked for; HQQ's
// BaseQuantizeConfig sets it at 4 bits, formats.cpp says why ours does not).
#include "engine/core/half.h"
#include "engine/model/model.h"
#include "engine/quant/hqq.h"
#include "engine/quant/hqq_solver.h"
#include "tests/common/random_weights.h"
#include "tests/common/test_data.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <gtest/gtest.h>
#include <limits>
#include <random>
#include <vector>

namespace ql {
namespace {

// HQQ's shrink_lp_op: sign(t) * relu(|t| - |t|^(p-1) / beta), 0 at t = 0.
template <typename T> T shrinkLp(T t, T beta, T p) {
    const T a = std::fabs(t);
    if (a == T(0))
        return T(0);
    return std::copysign(std::max(a - std::pow(a, p - T(1)) / beta, T(0)), t);
}

struct Solved {
    std::vector<double> zeros;  // per group, after the last round
    std::vector<double> errors; // the tensor's mean |w - r| of each round run
    int rounds = 0;
};

// HQQ's loop over groups of `group` along each row, written from its published formulas:
//   W_q = clamp(round(W * scale + zero), 0, maxq), W_r = (W_q - zero) / scale,
//   W_e = shrink(W - W_r, beta), zero = mean(W_q - (W - W_e) * scale), beta *= kappa,
//   error = mean |W - W_r|; if error < best: best = error, else stop (best starts at 1e4).
// T = float follows HQQ's CPU arithmetic (float32, its per-group means summed in float);
// T = double for the worked rounds. Each group's sums are in T, in value order; the
// tensor's error adds them in double.
template <typename T>
Solved solveLikeHqq(const std::vector<float>& w, int64_t cols, int bits, int group,
                    const HqqParams& params) {
    const T maxq = T((1 << bits) - 1);
    std::vector<T> scale, zero;
    for (size_t b = 0; b < w.size(); b += size_t(group)) { // cols is a multiple of group here
        const auto [lo, hi] = std::minmax_element(w.begin() + b, w.begin() + b + group);
        scale.push_back(std::min(maxq / (T(*hi) - T(*lo)), T(2e4)));
        zero.push_back(-T(*lo) * scale.back());
        if (params.roundZero) // Quantizer.quantize's round_zero
            zero.back() = std::nearbyint(zero.back());
    }
    EXPECT_EQ(cols % group, 0);
    Solved s;
    T beta = T(params.beta);
    double best = 1e4;
    for (int i = 0; i < params.iterations; ++i) {
        double error = 0.0;
        for (size_t g = 0; g < scale.size(); ++g) {
            T sum = 0, groupError = 0;
            for (size_t j = g * size_t(group); j < (g + 1) * size_t(group); ++j) {
                const T x = T(w[j]);
                const T q = std::clamp(std::nearbyint(x * scale[g] + zero[g]), T(0), maxq);
                const T r = (q - zero[g]) / scale[g];
                const T e = shrinkLp<T>(x - r, beta, T(params.p));
                sum += q - (x - e) * scale[g];
                groupError += std::fabs(x - r);
            }
            zero[g] = sum / T(group);
            error += double(groupError);
        }
        beta *= T(params.kappa);
        ++s.rounds;
        s.errors.push_back(error / double(w.size()));
        if (params.earlyStop && !(s.errors.back() < best))
            break;
        best = s.errors.back();
    }
    s.zeros.assign(zero.begin(), zero.end());
    return s;
}

// The engine's zero points (unshifted) from the INT-n grid it stores them in as f32.
std::vector<double> engineZeros(const QuantizedTensor& q, int bits) {
    std::vector<double> z;
    for (float v : q.zeros)
        z.push_back(double(v) + double(1 << (bits - 1)));
    return z;
}

HqqParams withRounds(int rounds) {
    HqqParams p;
    p.iterations = rounds;
    return p;
}

// The solver skips the power below hqqShrinkFloor: the shrink is the same with and without
// the shortcut for residuals from far below to far above the threshold beta^(-1/(2-p)),
// densest (float by float) within 1e-3 of it, over the betas of 30 rounds (10 * 1.01^k)
// and other p. The floor sits just under the threshold, so the shortcut is not vacuous, and
// the shrink acts just above it.
TEST(HqqSolver, ShrinkFloorChangesNoShrink) {
    int skipped = 0;
    for (float p : {0.7f, 0.5f, 0.9f, 0.1f, 0.99f}) {
        float beta = 10.0f;
        for (int round = 0; round < 30; ++round, beta *= 1.01f) {
            const float floor = hqqShrinkFloor(beta, p);
            const double threshold = std::pow(double(beta), -1.0 / (2.0 - double(p)));
            ASSERT_GT(floor, 0.0f);
            EXPECT_LT(floor, threshold);
            EXPECT_GT(floor, threshold * (1.0 - 2e-4));
            EXPECT_GT(hqqShrink(float(threshold * 1.001), beta, p), 0.0f);
            std::vector<float> ts;
            for (float t = float(threshold * 0.999); t < float(threshold * 1.001);
                 t = std::nextafter(t, 1.0f))
                ts.push_back(t);
            for (double s = 1e-12; s < 1e6; s *= 1.37)
                ts.push_back(float(s));
            for (float t : ts)
                for (float signedT : {t, -t}) {
                    const float with = hqqShrink(signedT, beta, p, floor);
                    ASSERT_EQ(std::bit_cast<uint32_t>(with),
                              std::bit_cast<uint32_t>(hqqShrink(signedT, beta, p)))
                        << "t " << signedT << " beta " << beta << " p " << p;
                    skipped += std::fabs(signedT) < floor;
                }
        }
    }
    EXPECT_GT(skipped, 0);
    // No shortcut where the shrink's cut does not fall as |t| rises, or beta is not a
    // positive finite number.
    EXPECT_EQ(hqqShrinkFloor(10.0f, 1.0f), 0.0f);
    EXPECT_EQ(hqqShrinkFloor(10.0f, 1.5f), 0.0f);
    EXPECT_EQ(hqqShrinkFloor(0.0f, 0.7f), 0.0f);
    EXPECT_EQ(hqqShrinkFloor(std::numeric_limits<float>::infinity(), 0.7f), 0.0f);
}

TEST(HqqSolver, ShrinkIsTheLpProximalStepWorkedByHand) {
    // |t| - |t|^-0.3 / 10 with p = 0.7, beta = 10: 0.3^-0.3 = e^(0.3 ln(10/3)) = 1.4350387.
    EXPECT_NEAR(hqqShrink(-0.3f, 10.0f, 0.7f), -(0.3 - 0.14350387), 1e-6);
    EXPECT_NEAR(hqqShrink(0.3f, 10.0f, 0.7f), 0.3 - 0.14350387, 1e-6);
    // 2^-0.3 = 0.81225240: the cut shrinks with beta and with p.
    EXPECT_NEAR(hqqShrink(2.0f, 10.0f, 0.7f), 2.0 - 0.081225240, 1e-6);
    EXPECT_NEAR(hqqShrink(2.0f, 20.0f, 0.7f), 2.0 - 0.040612620, 1e-6);
    EXPECT_NEAR(hqqShrink(2.0f, 10.0f, 0.8f), 2.0 - 0.087055056, 1e-6); // 2^-0.2 / 10
    // Below the cut the residual is dropped: 0.1^-0.3 / 10 = 0.1995 > 0.1.
    EXPECT_EQ(hqqShrink(0.1f, 10.0f, 0.7f), 0.0f);
    EXPECT_EQ(hqqShrink(-0.1f, 10.0f, 0.7f), 0.0f);
    EXPECT_EQ(hqqShrink(0.0f, 10.0f, 0.7f), 0.0f);
}

// One 2-bit group of 32: {0, 3, 0.7, 1.3, 1.9, 2.6, 2.2, 0.3} four times. Min/max start:
// scale 3 / 3 = 1, zero 0, so W_q = round(W) and W_r = W_q. With c(a) = a^-0.3 / 10 (the
// cut at beta = 10), W_q - (W - W_e) is 0 for 0 and 3, c(0.3) for 0.7, -c(0.3) for 1.3,
// 0.1 for 1.9 (|0.1| < c(0.1): W_e = 0), c(0.4) for 2.6, -c(0.2) for 2.2 and -c(0.3) for
// 0.3, so the first round's zero is (0.1 + c(0.4) - c(0.2) - c(0.3)) / 8
// = (0.1 + 0.1316383 - 0.1620657 - 0.1435039) / 8 = -0.0092414, and its mean |W - W_r| is
// (0.3 + 0.3 + 0.1 + 0.4 + 0.2 + 0.3) / 8 = 0.2.
const std::vector<float> kWorkedGroup = [] {
    const float base[] = {0.0f, 3.0f, 0.7f, 1.3f, 1.9f, 2.6f, 2.2f, 0.3f};
    std::vector<float> w;
    for (int i = 0; i < 4; ++i)
        w.insert(w.end(), std::begin(base), std::end(base));
    return w;
}();

constexpr double kZeroTolerance = 2e-6; // float arithmetic against the double loop

TEST(HqqSolver, FirstRoundZeroWorkedByHand) {
    QuantizedTensor q;
    EXPECT_EQ(quantizeHqq(kWorkedGroup, 1, 32, 2, 32, q, withRounds(1)), 1);
    const double byHand =
        (0.1 + std::pow(0.4, -0.3) / 10 - std::pow(0.2, -0.3) / 10 - std::pow(0.3, -0.3) / 10) / 8;
    EXPECT_NEAR(byHand, -0.0092414, 1e-7);
    EXPECT_NEAR(engineZeros(q, 2)[0], byHand, kZeroTolerance);
    EXPECT_FLOAT_EQ(q.scales[0], 1.0f);

    // The loop's inputs are the floats nearest 0.7, 1.3, ...: 1e-8 away from the decimals.
    const Solved loop = solveLikeHqq<double>(kWorkedGroup, 32, 2, 32, withRounds(1));
    EXPECT_NEAR(loop.zeros[0], byHand, 1e-8);
    EXPECT_NEAR(loop.errors[0], 0.2, 1e-7);
    // p matters here: with p = 0.8 the zero moves by far more than the tolerance.
    HqqParams p8 = withRounds(1);
    p8.p = 0.8f;
    EXPECT_GT(std::fabs(solveLikeHqq<double>(kWorkedGroup, 32, 2, 32, p8).zeros[0] - byHand),
              100 * kZeroTolerance);
}

// Round two starts from zero -0.0092414 with beta = 10 * 1.01; its mean error (0.20231) is
// above round one's, so HQQ's early stop ends the solve there, keeping that round's zero.
TEST(HqqSolver, SecondRoundUsesBetaTimesKappaAndStops) {
    const Solved loop = solveLikeHqq<double>(kWorkedGroup, 32, 2, 32, HqqParams{});
    ASSERT_EQ(loop.rounds, 2);
    EXPECT_GT(loop.errors[1], loop.errors[0]);
    QuantizedTensor q;
    EXPECT_EQ(quantizeHqq(kWorkedGroup, 1, 32, 2, 32, q), 2);
    EXPECT_NEAR(engineZeros(q, 2)[0], loop.zeros[0], kZeroTolerance);
    // Without kappa (beta kept at 10) round two's zero lands elsewhere.
    HqqParams noKappa;
    noKappa.kappa = 1.0f;
    const Solved flat = solveLikeHqq<double>(kWorkedGroup, 32, 2, 32, noKappa);
    EXPECT_GT(std::fabs(flat.zeros[0] - loop.zeros[0]), 50 * kZeroTolerance);
}

// Weights on the grid: every W_r equals W, the error is 0 in round one (below 1e4) and 0
// again in round two (not below 0), so HQQ stops after exactly two rounds; with the early
// stop off all 20 run.
TEST(HqqSolver, ErrorThatStopsFallingStopsOnRoundTwo) {
    std::vector<float> w(64);
    for (size_t i = 0; i < w.size(); ++i)
        w[i] = float(i % 4); // 0..3 in every group: scale 1, zero 0
    QuantizedTensor q;
    EXPECT_EQ(quantizeHqq(w, 2, 32, 2, 32, q), 2);
    HqqParams noStop;
    noStop.earlyStop = false;
    EXPECT_EQ(quantizeHqq(w, 2, 32, 2, 32, q, noStop), 20);
    for (double z : engineZeros(q, 2))
        EXPECT_EQ(z, 0.0);
}

// The engine runs the rounds HQQ's rule gives on the same data, and ends on its zeros.
void expectRoundsOfTheRule(const std::vector<float>& w, int64_t rows, int64_t cols, int bits,
                           const HqqParams& params, int& stoppedEarly, int& ranAll) {
    const Solved loop = solveLikeHqq<float>(w, cols, bits, 64, params);
    QuantizedTensor q;
    EXPECT_EQ(quantizeHqq(w, rows, cols, bits, 64, q, params), loop.rounds);
    const auto zeros = engineZeros(q, bits);
    ASSERT_EQ(zeros.size(), loop.zeros.size());
    for (size_t g = 0; g < zeros.size(); ++g)
        ASSERT_NEAR(zeros[g], loop.zeros[g], 1e-5 * (1.0 + std::fabs(loop.zeros[g]))) << g;
    stoppedEarly += loop.rounds < params.iterations;
    ranAll += loop.rounds == params.iterations;
}

TEST(HqqSolver, EarlyStopFallsOnTheRoundOfHqqsRule) {
    int stoppedEarly = 0, ranAll = 0;
    for (const float sigma : {0.02f, 1.0f, 3.0f})
        for (const int bits : {2, 3, 4, 8}) {
            SCOPED_TRACE(testing::Message() << "sigma " << sigma << ", " << bits << " bits");
            const auto w = test::gaussianWeights(8 * 128, sigma, 1);
            expectRoundsOfTheRule(w, 8, 128, bits, HqqParams{}, stoppedEarly, ranAll);
            HqqParams rounded; // HQQ's BaseQuantizeConfig at 4 bits
            rounded.roundZero = true;
            expectRoundsOfTheRule(w, 8, 128, bits, rounded, stoppedEarly, ranAll);
            HqqParams noStop;
            noStop.earlyStop = false;
            int early = 0, all = 0;
            expectRoundsOfTheRule(w, 8, 128, bits, noStop, early, all);
            EXPECT_EQ(all, 1) << "early stop off runs every round";
        }
    // The data covers both ends: solves cut short by the rule and solves still improving
    // at round 20.
    EXPECT_GE(stoppedEarly, 3);
    EXPECT_GE(ranAll, 3);
}

TEST(HqqSolver, EarlyStopFallsOnTheRoundOfHqqsRuleOnStories260K) {
    QL_REQUIRE_DATA();
    const auto model = Model::open(test::stories260K());
    int stoppedEarly = 0, ranAll = 0, tensors = 0;
    for (const auto& t : model->tensors()) {
        if (!t.isMatrix() || t.cols() % 64 != 0)
            continue;
        const auto w = model->readF32(t);
        for (const int bits : {2, 3, 4, 8}) {
            SCOPED_TRACE(t.name + ", " + std::to_string(bits) + " bits");
            expectRoundsOfTheRule(w, t.rows(), t.cols(), bits, HqqParams{}, stoppedEarly, ranAll);
        }
        ++tensors;
    }
    EXPECT_GT(tensors, 0);
    EXPECT_GT(stoppedEarly, 0);
}

// Quantizer.quantize rounds the min/max start's zero when round_zero is set; its
// BaseQuantizeConfig sets it at 4 bits only, and so does the registered hqq-int4-g64. A group from
// -0.33 to 1.17: the 4-bit start has scale 15 / 1.5 = 10 and zero 3.3, round(3.3) = 3 with
// round_zero; the 2-bit start has 0.33 * 2 = 0.66, rounded 1.
TEST(HqqSolver, StartingZeroIsRoundedOnlyWithRoundZero) {
    std::vector<float> w(64, 0.5f);
    w[3] = -0.33f;
    w[17] = 1.17f;
    HqqParams start = withRounds(0);
    QuantizedTensor q;
    EXPECT_EQ(quantizeHqq(w, 1, 64, 4, 64, q, start), 0);
    EXPECT_NEAR(engineZeros(q, 4)[0], 3.3, 1e-5);
    quantizeHqq(w, 1, 64, 2, 64, q, start);
    EXPECT_NEAR(engineZeros(q, 2)[0], 0.66, 1e-6);
    quantizeHqq(w, 1, 64, 3, 64, q, start);
    EXPECT_NEAR(engineZeros(q, 3)[0], 0.33 * 7 / 1.5, 1e-6);
    quantizeHqq(w, 1, 64, 8, 64, q, start);
    EXPECT_NEAR(engineZeros(q, 8)[0], 0.33 * 255 / 1.5, 1e-4);
    // The registered 4-bit format starts from the rounded zero, 3 (stored shifted by 8); the
    // 2-bit one from the unrounded 0.66.
    quantizeHqq(QuantFormat::HqqInt4G64, w, 1, 64, q, start);
    EXPECT_EQ(q.zeros[0], 3.0f - 8.0f);
    quantizeHqq(QuantFormat::HqqInt2G64, w, 1, 64, q, start);
    EXPECT_EQ(q.zeros[0], halfToFloat(floatToHalf(0.66f)) - 2.0f);

    start.roundZero = true;
    quantizeHqq(w, 1, 64, 4, 64, q, start);
    EXPECT_EQ(engineZeros(q, 4)[0], 3.0);
    quantizeHqq(w, 1, 64, 2, 64, q, start);
    EXPECT_EQ(engineZeros(q, 2)[0], 1.0);
}

} // namespace
} // namespace ql
