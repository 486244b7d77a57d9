// Statistics pinned against hand-worked formulas and checked for their properties.
#include "engine/score/stats.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace ql::score;

namespace {

ScoreCell binaryCell(const std::string& variant, int n, int correct) {
    ScoreCell c{variant, "acc", "all", CellKind::Slice, 0.0, n, {}, {}};
    for (int i = 0; i < n; ++i)
        c.examples.push_back({"doc" + std::to_string(i), i < correct ? 1.0 : 0.0});
    c.score = exampleMean(c.examples);
    return c;
}

} // namespace

TEST(ScoreStats, McNemarExactMatchesTheBinomialByHand) {
    // b=10, c=2: 2 * (C(12,0) + C(12,1) + C(12,2)) / 2^12 = 2 * 79 / 4096 = 0.03857.
    EXPECT_NEAR(mcnemarExactP(10, 2), 0.0386, 5e-5);
    EXPECT_NEAR(mcnemarExactP(10, 2), 2.0 * 79.0 / 4096.0, 1e-12);
    EXPECT_NEAR(mcnemarExactP(2, 10), mcnemarExactP(10, 2), 1e-15);
    EXPECT_DOUBLE_EQ(mcnemarExactP(0, 0), 1.0);
    EXPECT_DOUBLE_EQ(mcnemarExactP(5, 5), 1.0);
    EXPECT_NEAR(mcnemarExactP(13, 0), 2.0 / 8192.0, 1e-15);
}

TEST(ScoreStats, SplitMix64IsTheReferenceStream) {
    SplitMix64 rng(0);
    EXPECT_EQ(rng.next(), 0xe220a8397b1dcdafULL);
    EXPECT_EQ(rng.next(), 0x6e789e6aa1b965f4ULL);
}

TEST(ScoreStats, NormalQuantileInvertsTheCdf) {
    EXPECT_NEAR(normalQuantile(0.975), 1.959964, 1e-6);
    EXPECT_NEAR(normalCdf(1.959964), 0.975, 1e-6);
    EXPECT_NEAR(twoSidedNormalP(1.959964), 0.05, 1e-6);
}

TEST(ScoreStats, TwoProportionIntervalByHand) {
    ScoreCell base{"fp16", "acc", "all", CellKind::Slice, 0.80, 1000, {}, {}};
    ScoreCell var{"int4", "acc", "all", CellKind::Slice, 0.75, 1000, {}, {}};
    const Comparison c = compareCells(base, var);
    // se = sqrt(.8*.2/1000 + .75*.25/1000) = sqrt(0.0003475) = 0.0186414
    const double se = std::sqrt(0.8 * 0.2 / 1000 + 0.75 * 0.25 / 1000);
    EXPECT_EQ(c.method, StatMethod::TwoProportion);
    EXPECT_STREQ(statMethodLabel(c.method), "unpaired normal approx (two-proportion)");
    EXPECT_NEAR(c.delta, -0.05, 1e-12);
    EXPECT_NEAR(*c.ciLow, -0.05 - 1.959964 * se, 1e-6);
    EXPECT_NEAR(*c.ciLow, -0.086536, 1e-5);
    EXPECT_NEAR(*c.ciHigh, -0.013464, 1e-5);
    // Pooled z-test: p = 0.775, se0 = sqrt(.775*.225*(2/1000)) = 0.018675, z = -2.6774.
    EXPECT_NEAR(*c.pValue, 0.00742, 1e-4);
}

TEST(ScoreStats, DifferentNPerVariantUsesEachN) {
    // vllm's baselines ran 250 samples, their variants 1000: each side keeps its own n.
    ScoreCell base{"unquantized", "em", "gsm8k", CellKind::Slice, 0.756, 250, {}, {}};
    ScoreCell var{"FP8", "em", "gsm8k", CellKind::Slice, 0.753, 1000, {}, {}};
    const Comparison c = compareCells(base, var);
    const double se = std::sqrt(0.756 * 0.244 / 250 + 0.753 * 0.247 / 1000);
    EXPECT_NEAR(*c.ciHigh - *c.ciLow, 2 * 1.959964 * se, 1e-6);
}

TEST(ScoreStats, ReportedStderrIsUsedAndLabelled) {
    ScoreCell base{"fp16", "acc", "all", CellKind::Slice, 0.70, 500, 0.01, {}};
    ScoreCell var{"int4", "acc", "all", CellKind::Slice, 0.68, 500, 0.02, {}};
    const Comparison c = compareCells(base, var);
    EXPECT_EQ(c.method, StatMethod::NormalStderr);
    const double se = std::sqrt(0.01 * 0.01 + 0.02 * 0.02); // 0.0223607
    EXPECT_NEAR(*c.ciLow, -0.02 - 1.959964 * se, 1e-6);
    EXPECT_NEAR(*c.pValue, 2 * normalCdf(-0.02 / se), 1e-12);
}

TEST(ScoreStats, WithoutNThereIsNoInterval) {
    ScoreCell base{"bf16", "acc", "mmlu", CellKind::Slice, 0.70, 0, {}, {}};
    ScoreCell var{"q4km", "acc", "mmlu", CellKind::Slice, 0.69, 0, {}, {}};
    const Comparison c = compareCells(base, var);
    EXPECT_EQ(c.method, StatMethod::None);
    EXPECT_FALSE(c.ciLow);
    EXPECT_FALSE(c.pValue);
    EXPECT_NEAR(c.delta, -0.01, 1e-12);
}

TEST(ScoreStats, PairedBinaryDataUsesMcNemarAndBootstrap) {
    ScoreCell base = binaryCell("fp16", 200, 150);
    ScoreCell var = base;
    var.variant = "int4";
    for (int i = 0; i < 10; ++i) // 10 right -> wrong
        var.examples[size_t(i)].value = 0.0;
    for (int i = 150; i < 152; ++i) // 2 wrong -> right
        var.examples[size_t(i)].value = 1.0;
    const Comparison c = compareCells(base, var);
    EXPECT_EQ(c.method, StatMethod::PairedBootstrapMcNemar);
    EXPECT_EQ(c.pairs, 200);
    EXPECT_EQ(c.discordantB, 10);
    EXPECT_EQ(c.discordantC, 2);
    EXPECT_NEAR(*c.pValue, 0.0386, 5e-5);
    EXPECT_NEAR(c.delta, -8.0 / 200.0, 1e-12);
    EXPECT_LE(*c.ciLow, c.delta);
    EXPECT_GE(*c.ciHigh, c.delta);
    EXPECT_LT(*c.ciHigh, 0.0);
}

TEST(ScoreStats, BootstrapIsReproducibleAndNarrowsWithN) {
    auto ci = [](int n, uint64_t seed) {
        std::vector<double> base(static_cast<size_t>(n)), var(static_cast<size_t>(n));
        for (int i = 0; i < n; ++i) {
            base[size_t(i)] = (i % 4 != 0) ? 1.0 : 0.0; // 75 %
            var[size_t(i)] = (i % 5 != 0) ? 1.0 : 0.0;  // 80 %
        }
        return pairedBootstrapCi(base, var, 0.95, 2000, seed);
    };
    const auto a = ci(200, 42), b = ci(200, 42);
    EXPECT_EQ(a.first, b.first); // bit-identical, not merely close
    EXPECT_EQ(a.second, b.second);
    const auto wide = ci(100, 42), narrow = ci(2000, 42);
    EXPECT_LT(narrow.second - narrow.first, 0.5 * (wide.second - wide.first));
    EXPECT_LE(narrow.first, 0.05);
    EXPECT_GE(narrow.second, 0.05);
}

TEST(ScoreStats, HolmAndBenjaminiHochbergByHand) {
    const std::vector<double> p{0.01, 0.04, 0.03, 0.005};
    const auto holm = holmAdjust(p); // sorted 0.005*4, 0.01*3, 0.03*2, max(0.04*1, 0.06)
    EXPECT_NEAR(holm[0], 0.03, 1e-12);
    EXPECT_NEAR(holm[1], 0.06, 1e-12);
    EXPECT_NEAR(holm[2], 0.06, 1e-12);
    EXPECT_NEAR(holm[3], 0.02, 1e-12);
    const auto bh = benjaminiHochbergAdjust(p); // p*m/k: .02 .02 .04 .04, min from the top
    EXPECT_NEAR(bh[0], 0.02, 1e-12);
    EXPECT_NEAR(bh[1], 0.04, 1e-12);
    EXPECT_NEAR(bh[2], 0.04, 1e-12);
    EXPECT_NEAR(bh[3], 0.02, 1e-12);
}
