// The fast roundings the forward pass uses agree bit for bit with the engine's
// reference half/bfloat16 conversions, and Q8 activation blocks round like ggml's.
#include "engine/core/half.h"
#include "engine/eval/ggml_rounding.h"

#include <bit>
#include <cmath>
#include <gtest/gtest.h>
#include <random>
#include <vector>

namespace {

TEST(EvalRounding, RoundToHalfMatchesReferenceConversion) {
    std::mt19937 rng(7);
    std::uniform_int_distribution<uint32_t> bits;
    int checked = 0;
    for (int i = 0; i < 2000000; ++i) {
        const float x = std::bit_cast<float>(bits(rng));
        if (!std::isfinite(x))
            continue;
        const float expected = ql::halfToFloat(ql::floatToHalf(x));
        ASSERT_EQ(std::bit_cast<uint32_t>(ql::roundToHalf(x)), std::bit_cast<uint32_t>(expected))
            << x;
        ++checked;
    }
    // Probabilities and small activations: the subnormal half range.
    for (float x = 1e-9f; x < 1e-3f; x *= 1.0001f)
        ASSERT_EQ(ql::roundToHalf(x), ql::halfToFloat(ql::floatToHalf(x))) << x;
    EXPECT_GT(checked, 1000000);
}

TEST(EvalRounding, RoundToBf16MatchesReferenceConversion) {
    std::mt19937 rng(8);
    std::uniform_int_distribution<uint32_t> bits;
    for (int i = 0; i < 1000000; ++i) {
        const float x = std::bit_cast<float>(bits(rng));
        if (!std::isfinite(x))
            continue;
        ASSERT_EQ(ql::roundToBf16(x), ql::bf16ToFloat(ql::floatToBf16(x))) << x;
    }
}

TEST(EvalRounding, Q8BlocksUseHalfScaleAndNearestInteger) {
    std::vector<float> row(64);
    for (size_t i = 0; i < row.size(); ++i)
        row[i] = std::sin(float(i)) * (i < 32 ? 1.0f : 100.0f);
    const std::vector<float> original = row;
    ql::roundActivations(row, ql::ActivationRounding::Q8Blocks);
    for (size_t b = 0; b < 2; ++b) {
        float amax = 0;
        for (size_t i = 0; i < 32; ++i)
            amax = std::max(amax, std::fabs(original[b * 32 + i]));
        const float d = ql::halfToFloat(ql::floatToHalf(amax / 127.f));
        for (size_t i = 0; i < 32; ++i) {
            const float q = row[b * 32 + i] / d;
            EXPECT_NEAR(q, std::nearbyint(q), 1e-3f);
            EXPECT_LE(std::fabs(q), 127.f);
            EXPECT_NEAR(row[b * 32 + i], original[b * 32 + i], d * 0.5f + 1e-6f);
        }
    }
}

} // namespace

namespace {

TEST(EvalRounding, Q8KBlocksUseFloatScaleFromTheSignedExtreme) {
    std::vector<float> row(256);
    for (size_t i = 0; i < row.size(); ++i)
        row[i] = std::cos(float(i) * 0.37f) * 3.0f;
    row[17] = -5.0f; // the extreme is negative: it maps to +127 * d with d < 0
    const std::vector<float> original = row;
    ql::roundActivations(row, ql::ActivationRounding::Q8KBlocks);
    const float d = 1.f / (-127.f / -5.0f);
    EXPECT_FLOAT_EQ(row[17], -5.0f);
    for (size_t i = 0; i < row.size(); ++i)
        EXPECT_NEAR(row[i], original[i], std::fabs(d) * 0.5f + 1e-6f) << i;
}

} // namespace
