// OCP FP8: every code round-trips, the limits and rounding are the spec's, and the
// per-channel variant format stores and measures like the others.
#include "engine/compute/backend.h"
#include "engine/quant/fp8.h"
#include "engine/quant/metrics.h"

#include <cmath>
#include <gtest/gtest.h>
#include <random>

namespace ql {
namespace {

bool isNanCode(uint8_t c, Fp8Kind k) {
    return k == Fp8Kind::E4M3FN ? (c & 0x7f) == 0x7f : (c & 0x7f) > 0x7c;
}

bool isInfCode(uint8_t c, Fp8Kind k) {
    return k == Fp8Kind::E5M2 && (c & 0x7f) == 0x7c;
}

TEST(Fp8, EveryFiniteCodeRoundTripsExactly) {
    for (Fp8Kind k : {Fp8Kind::E4M3FN, Fp8Kind::E5M2}) {
        int finite = 0;
        for (int c = 0; c < 256; ++c) {
            const uint8_t code = uint8_t(c);
            const float v = fp8ToFloat(code, k);
            if (isNanCode(code, k)) {
                EXPECT_TRUE(std::isnan(v)) << c;
                EXPECT_TRUE(isNanCode(floatToFp8(v, k), k));
                continue;
            }
            if (isInfCode(code, k)) {
                EXPECT_TRUE(std::isinf(v));
                continue;
            }
            ++finite;
            EXPECT_EQ(floatToFp8(v, k), code) << "code " << c << " value " << v;
        }
        // E4M3FN: 2 NaN codes; E5M2: 2 infinities and 6 NaNs.
        EXPECT_EQ(finite, k == Fp8Kind::E4M3FN ? 254 : 248);
    }
}

TEST(Fp8, LimitsAndSubnormalsAreTheSpecs) {
    EXPECT_EQ(fp8ToFloat(0x7e, Fp8Kind::E4M3FN), 448.0f);
    EXPECT_EQ(fp8ToFloat(0x7b, Fp8Kind::E5M2), 57344.0f);
    EXPECT_EQ(fp8ToFloat(0x01, Fp8Kind::E4M3FN), std::ldexp(1.0f, -9)); // smallest subnormal
    EXPECT_EQ(fp8ToFloat(0x01, Fp8Kind::E5M2), std::ldexp(1.0f, -16));
    // Saturating: beyond the largest finite value gives it, never NaN or Inf.
    EXPECT_EQ(floatToFp8(1e6f, Fp8Kind::E4M3FN), 0x7e);
    EXPECT_EQ(floatToFp8(-1e9f, Fp8Kind::E5M2), 0xfb);
    EXPECT_EQ(floatToFp8(INFINITY, Fp8Kind::E4M3FN), 0x7e);
    // Ties to even: 1.0625 lies halfway between 1.0 (mantissa 000) and 1.125 (001).
    EXPECT_EQ(fp8ToFloat(floatToFp8(1.0625f, Fp8Kind::E4M3FN), Fp8Kind::E4M3FN), 1.0f);
    EXPECT_EQ(fp8ToFloat(floatToFp8(1.1875f, Fp8Kind::E4M3FN), Fp8Kind::E4M3FN), 1.25f);
    EXPECT_EQ(floatToFp8(-0.0f, Fp8Kind::E4M3FN), 0x80);
}

TEST(Fp8, PerChannelFormatBoundsTheRelativeError) {
    std::mt19937 rng(9);
    std::normal_distribution<float> n(0.0f, 0.02f);
    std::vector<float> w(16 * 200);
    for (auto& x : w)
        x = n(rng);
    auto cpu = makeCpuBackend(2);
    for (QuantFormat f : {QuantFormat::Fp8E4M3, QuantFormat::Fp8E5M2}) {
        QuantizedTensor ref, got;
        quantizeReference(f, w, 16, 200, ref);
        cpu->quantize(f, w, 16, 200, got);
        EXPECT_EQ(ref.packed, got.packed);
        const auto deq = ref.dequantize();
        // Relative spacing 2^-3 (E4M3) or 2^-2 (E5M2): half of it bounds normal values;
        // values in the subnormal range of the scaled grid are bounded absolutely.
        const float rel = f == QuantFormat::Fp8E4M3 ? 1.0f / 16 : 1.0f / 8;
        for (int64_t r = 0; r < 16; ++r) {
            float absmax = 0;
            for (int64_t j = 0; j < 200; ++j)
                absmax = std::max(absmax, std::fabs(w[size_t(r * 200 + j)]));
            const float scale =
                absmax / fp8MaxFinite(f == QuantFormat::Fp8E4M3 ? Fp8Kind::E4M3FN : Fp8Kind::E5M2);
            const float subnormalStep =
                scale * (f == QuantFormat::Fp8E4M3 ? std::ldexp(1.0f, -9) : std::ldexp(1.0f, -16));
            for (int64_t j = 0; j < 200; ++j) {
                const float x = w[size_t(r * 200 + j)], d = deq[size_t(r * 200 + j)];
                EXPECT_LE(std::fabs(d - x), rel * std::fabs(x) * 1.0001f + subnormalStep);
            }
        }
        // 8 bits per weight plus one f32 scale per 200-weight row.
        EXPECT_DOUBLE_EQ(measureError(w, ref).bitsPerWeight, 8.0 + 32.0 / 200.0);
    }
}

} // namespace
} // namespace ql
