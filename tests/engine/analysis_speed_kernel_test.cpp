// The analysis row pass: the AVX-512 path against the reference (each weight through the
// definitions), bit for bit, on odd widths, awkward values (zeros, subnormals, edges, far
// outliers, infinities and NaN) and awkward tensors (constant, tiny and huge sigma); and
// the per-tensor thresholds against the expressions they stand for.
#include "engine/quant/analysis_row.h"

#include <cmath>
#include <cstring>
#include <gtest/gtest.h>
#include <limits>
#include <random>

namespace ql {
namespace {

constexpr float kInfF = std::numeric_limits<float>::infinity();

struct RowResult {
    RunningErrorSums sums;
    AnalysisTally tally;
    std::vector<RowOutliers> rows;
};

// Bit for bit, except that a NaN is any NaN: which payload a sum of two NaNs keeps
// depends on the order the compiler put the operands in (the quantize job rejects NaN).
bool sameBits(double a, double b) {
    return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b));
}

template <class Pass>
RowResult runRows(Pass pass, const AnalysisBins& b, const std::vector<float>& w,
                  const std::vector<float>& q, int64_t cols) {
    RowResult r;
    r.tally.columns = {std::vector<int64_t>(size_t(cols)), std::vector<int64_t>(size_t(cols))};
    for (size_t at = 0; at + size_t(cols) <= w.size(); at += size_t(cols))
        r.rows.push_back(pass(b, w.data() + at, q.data() + at, cols, r.sums, r.tally));
    return r;
}

// The reference folds its counts into copy 0; compare the folded histograms.
std::pair<std::vector<int64_t>, std::vector<int64_t>> folded(const AnalysisTally& t) {
    std::vector<int64_t> e(30), w(66);
    t.addCountsTo(e, w);
    return {e, w};
}

void expectSame(const RowResult& a, const RowResult& r, const std::string& where) {
    EXPECT_TRUE(sameBits(a.sums.w2, r.sums.w2)) << where;
    EXPECT_TRUE(sameBits(a.sums.q2, r.sums.q2)) << where;
    EXPECT_TRUE(sameBits(a.sums.wq, r.sums.wq)) << where;
    EXPECT_TRUE(sameBits(a.sums.e2, r.sums.e2)) << where;
    EXPECT_TRUE(sameBits(a.sums.maxAbs, r.sums.maxAbs)) << where;
    EXPECT_EQ(a.sums.count, r.sums.count) << where;
    EXPECT_EQ(folded(a.tally), folded(r.tally)) << where;
    EXPECT_EQ(a.tally.columns.k3, r.tally.columns.k3) << where;
    EXPECT_EQ(a.tally.columns.k6, r.tally.columns.k6) << where;
    ASSERT_EQ(a.rows.size(), r.rows.size()) << where;
    for (size_t i = 0; i < a.rows.size(); ++i) {
        EXPECT_EQ(a.rows[i].k3, r.rows[i].k3) << where << " row " << i;
        EXPECT_EQ(a.rows[i].k6, r.rows[i].k6) << where << " row " << i;
    }
}

// Peaked weights with, every few, a value on a weight edge, an error on an error edge, a
// zero, a subnormal, a far outlier, or (when `special`) an infinity or a NaN.
std::pair<std::vector<float>, std::vector<float>> awkwardRows(const AnalysisBins& b, size_t n,
                                                              unsigned seed, bool special) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::uniform_int_distribution<int> pick(0, 11), edge(1, 64);
    const double sigma = b.sigma > 0 ? b.sigma : 1.0;
    std::vector<float> w(n), q(n);
    for (size_t i = 0; i < n; ++i) {
        const float base = float(b.mean + 3.0 * sigma * u(rng) * u(rng));
        w[i] = base;
        q[i] = float(base + 0.1 * sigma * u(rng));
        switch (pick(rng)) {
        case 0:
            w[i] = float(b.mean + sigma * (-8.0 + 0.25 * edge(rng)));
            break;
        case 1:
            q[i] = float(double(w[i]) + b.errorScale * std::pow(10.0, -6.0 + edge(rng) / 8.0));
            break;
        case 2:
            w[i] = q[i] = 0.0f;
            break;
        case 3:
            w[i] = std::ldexp(1.0f, -140);
            break;
        case 4:
            w[i] = float(b.mean + sigma * 40.0 * u(rng));
            break;
        case 5:
            if (special)
                (u(rng) > 0 ? w[i] : q[i]) = u(rng) > 0 ? kInfF : std::nanf("");
            break;
        default:
            break;
        }
    }
    return {w, q};
}

struct Case {
    double mean, sigma, errorScale;
};

TEST(AnalysisKernel, Avx512MatchesTheReferenceBitForBit) {
    if (!analysisHasAvx512())
        GTEST_SKIP() << "this CPU has no AVX-512: only the reference path runs here";
    const Case cases[] = {
        {0.0, 0.02, 0.02}, {1e-4, 0.0123, 0.0123}, {-1.7, 3.3e-3, 3.3e-3},
        {0.5, 0.0, 0.5},   {0.0, 0.0, 1.0},        {0.0, 1e-30, 1e-30},
        {1e3, 1e-3, 1e-3}, {0.0, 1e20, 1e20},      {2.0, 0.7, 0.7},
    };
    for (const Case& c : cases)
        for (int64_t cols : {1, 15, 16, 17, 203, 4096})
            for (bool special : {false, true}) {
                const AnalysisBins b = analysisBins(c.mean, c.sigma, c.errorScale);
                const auto [w, q] = awkwardRows(b, size_t(cols * 5), unsigned(cols), special);
                const std::string where = "mean " + std::to_string(c.mean) + " sigma " +
                                          std::to_string(c.sigma) + " cols " +
                                          std::to_string(cols) + (special ? " inf/nan" : "");
                expectSame(runRows(analyseRowAvx512, b, w, q, cols),
                           runRows(analyseRowReference, b, w, q, cols), where);
            }
}

TEST(AnalysisKernel, ThresholdsAreTheFirstValuesOverEachEdge) {
    const AnalysisBins b = analysisBins(0.0123, 0.0371, 0.0371);
    for (size_t i = 1; i <= 29; ++i) {
        const double t = b.errorAt[i];
        ASSERT_TRUE(std::isfinite(t)) << i;
        EXPECT_GE(t / b.errorScale, b.errorEdges[i]) << i;
        EXPECT_LT(std::nextafter(t, 0.0) / b.errorScale, b.errorEdges[i]) << i;
    }
    for (size_t i = 1; i <= 65; ++i) {
        const float t = b.weightAt[i];
        EXPECT_GE((double(t) - b.mean) / b.sigma, b.weightEdges[i]) << i;
        EXPECT_LT((double(std::nextafter(t, -kInfF)) - b.mean) / b.sigma, b.weightEdges[i]) << i;
    }
    EXPECT_GT(double(b.k3Above) - b.mean, b.k3);
    EXPECT_LE(double(std::nextafter(b.k3Above, -kInfF)) - b.mean, b.k3);
    EXPECT_LT(double(b.k6Below) - b.mean, -b.k6);
    EXPECT_GE(double(std::nextafter(b.k6Below, kInfF)) - b.mean, -b.k6);
    EXPECT_TRUE(b.errorGuessValid);
}

TEST(AnalysisKernel, AConstantTensorPutsEveryWeightAtZeroSigma) {
    const AnalysisBins b = analysisBins(0.5, 0.0, 0.5);
    EXPECT_EQ(b.weightAt[33], -kInfF); // z = 0 for every weight: bins 1..33 always reached
    EXPECT_TRUE(std::isnan(b.weightAt[34]));
    // k sigma = 0: every weight but the mean itself is an outlier.
    EXPECT_EQ(b.k3Above, std::nextafter(0.5f, kInfF));
    EXPECT_EQ(b.k3Below, std::nextafter(0.5f, -kInfF));
}

} // namespace
} // namespace ql
