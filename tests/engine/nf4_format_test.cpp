// bitsandbytes NF4 / FP4: the code books are bnb's, every code round-trips, the CPU's
// threshold counting equals bnb's decision trees, the error stays within half the widest
// gap of the code book, and double quantization costs what bnb's nested state costs.
#include "engine/compute/backend.h"
#include "engine/quant/metrics.h"
#include "engine/quant/nf4.h"

#include <cmath>
#include <gtest/gtest.h>
#include <random>

namespace ql {
namespace {

TEST(Nf4Format, CodeBooksAreBitsandbytes) {
    const auto& nf4 = nf4CodeBook();
    EXPECT_EQ(nf4[0], -1.0f);
    EXPECT_EQ(nf4[7], 0.0f);
    EXPECT_EQ(nf4[15], 1.0f);
    EXPECT_EQ(nf4[8], 0.07958029955625534f);
    EXPECT_EQ(nf4[1], -0.6961928009986877f);
    for (size_t i = 1; i < 16; ++i)
        EXPECT_LT(nf4[i - 1], nf4[i]);
    // FP4: {0, 0.0625, 8, 12, 4, 6, 2, 3} / 12, sign in bit 3.
    const float e2m1[8] = {0.0f, 0.0625f, 8.0f, 12.0f, 4.0f, 6.0f, 2.0f, 3.0f};
    for (size_t i = 0; i < 8; ++i) {
        EXPECT_EQ(fp4CodeBook()[i], e2m1[i] / 12.0f) << i;
        EXPECT_EQ(fp4CodeBook()[i + 8], -e2m1[i] / 12.0f) << i;
    }
}

TEST(Nf4Format, ThresholdsAreTheMidpointsOfTheCodeBook) {
    const auto& cb = nf4CodeBook();
    for (size_t i = 0; i < 15; ++i)
        EXPECT_NEAR(nf4Thresholds()[i], (cb[i] + cb[i + 1]) / 2.0f, 1e-7f) << i;
    const int rank[8] = {0, 1, 6, 7, 4, 5, 2, 3}; // code of each magnitude rank
    for (size_t i = 0; i < 7; ++i)
        EXPECT_NEAR(fp4Thresholds()[i],
                    (fp4CodeBook()[size_t(rank[i])] + fp4CodeBook()[size_t(rank[i + 1])]) / 2,
                    1e-6f)
            << i;
}

TEST(Nf4Format, EveryCodeRoundTrips) {
    for (QuantFormat f : {QuantFormat::Nf4, QuantFormat::Fp4}) {
        const auto& cb = f == QuantFormat::Nf4 ? nf4CodeBook() : fp4CodeBook();
        std::vector<float> w(64, 0.0f);
        w[63] = 1.0f; // absmax 1: x * (1/absmax) is the code book value itself
        for (size_t c = 0; c < 16; ++c)
            w[c] = cb[c];
        QuantizedTensor q;
        quantizeReference(f, w, 1, 64, q);
        const auto d = q.dequantize();
        for (size_t c = 0; c < 16; ++c) {
            if (f == QuantFormat::Fp4 && c == 8)
                EXPECT_EQ(q.codes[c], 0) << "-0 takes bnb's +0 code (x < 0 is false)";
            else
                EXPECT_EQ(q.codes[c], int8_t(c)) << c;
            EXPECT_EQ(d[c], w[c]) << c;
        }
    }
}

TEST(Nf4Format, CpuThresholdCountingEqualsTheDecisionTrees) {
    std::vector<float> probes;
    for (float t : nf4Thresholds())
        for (float v : {t, std::nextafter(t, -2.0f), std::nextafter(t, 2.0f), -t})
            probes.push_back(v);
    for (float t : fp4Thresholds())
        for (float v :
             {t, std::nextafter(t, -2.0f), std::nextafter(t, 2.0f), -t, -std::nextafter(t, 2.0f)})
            probes.push_back(v);
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    while (probes.size() % 64 != 0 || probes.size() < 64 * 40)
        probes.push_back(u(rng));
    // Blocks of 64 with absmax exactly 1 make x * (1/absmax) = x: the probes hit the trees.
    for (size_t b = 0; b < probes.size(); b += 64)
        probes[b] = 1.0f;
    auto cpu = makeCpuBackend(2);
    for (QuantFormat f : {QuantFormat::Nf4, QuantFormat::Fp4}) {
        QuantizedTensor ref, got;
        quantizeReference(f, probes, int64_t(probes.size() / 64), 64, ref);
        cpu->quantize(f, probes, int64_t(probes.size() / 64), 64, got);
        EXPECT_EQ(ref.codes, got.codes);
        for (size_t i = 0; i < probes.size(); ++i) {
            const float x = probes[i];
            ASSERT_EQ(ref.codes[i], int8_t(f == QuantFormat::Nf4 ? nf4Code(x) : fp4Code(x)));
        }
    }
    EXPECT_EQ(nf4Code(nf4Thresholds()[7]), 7); // on a threshold: the lower code
    EXPECT_EQ(nf4Code(std::nanf("")), 0);      // a zero block's 0 * inf, as bnb
    EXPECT_EQ(fp4Code(-1e-6f), 8);             // tiny negatives keep their sign
}

std::vector<float> normalWeights(int64_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> g(0.0f, 0.02f);
    std::vector<float> w(static_cast<size_t>(n));
    for (auto& x : w)
        x = g(rng);
    return w;
}

float widestHalfGap(const std::array<float, 16>& cb) {
    std::array<float, 16> s = cb;
    std::sort(s.begin(), s.end());
    float g = 0;
    for (size_t i = 1; i < 16; ++i)
        g = std::max(g, (s[i] - s[i - 1]) / 2);
    return g;
}

TEST(Nf4Format, ErrorWithinHalfTheWidestGapTimesAbsmax) {
    const int64_t rows = 12, cols = 200; // 200: a short last block in every row
    const auto w = normalWeights(rows * cols, 17);
    for (QuantFormat f :
         {QuantFormat::Nf4, QuantFormat::Fp4, QuantFormat::Nf4Dq, QuantFormat::Fp4Dq}) {
        const auto& info = quantFormatInfo(f);
        QuantizedTensor q;
        quantizeReference(f, w, rows, cols, q);
        const auto d = q.dequantize();
        const float gap =
            widestHalfGap(info.scheme == QuantScheme::Nf4 ? nf4CodeBook() : fp4CodeBook());
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t j = 0; j < cols; ++j) {
                const float absmax = q.scales[size_t(r * 4 + j / 64)];
                const float stored = q.storedScale(r, j / 64);
                // Double quantization moves the absmax; a code of magnitude <= 1 carries that.
                const float bound = gap * absmax * 1.0001f + std::fabs(stored - absmax);
                EXPECT_LE(std::fabs(d[size_t(r * cols + j)] - w[size_t(r * cols + j)]), bound)
                    << info.name << " " << r << "," << j;
            }
    }
}

TEST(Nf4Format, QuantizingTheDequantizedTensorGivesTheSameValues) {
    const auto w = normalWeights(8 * 256, 23);
    for (QuantFormat f : {QuantFormat::Nf4, QuantFormat::Fp4, QuantFormat::Nf4Dq}) {
        QuantizedTensor q, again;
        quantizeReference(f, w, 8, 256, q);
        const auto d = q.dequantize();
        quantizeReference(f, d, 8, 256, again);
        for (size_t i = 0; i < w.size(); ++i) {
            const bool bothZero = (q.codes[i] & 7) == 0 && (again.codes[i] & 7) == 0 &&
                                  f == QuantFormat::Fp4; // FP4 -0 comes back as +0
            if (!bothZero) {
                EXPECT_EQ(q.codes[i], again.codes[i]) << i;
            }
        }
        if (f != QuantFormat::Nf4Dq) {
            EXPECT_EQ(again.dequantize(), d);
        }
    }
}

TEST(Nf4Format, DynamicMapIsBitsandbytesSignedEightBitMap) {
    const auto& m = dynamicQuantMap();
    EXPECT_EQ(m[255], 1.0f);
    EXPECT_EQ(m[127], 0.0f);
    for (size_t i = 1; i < 256; ++i)
        EXPECT_LE(m[i - 1], m[i]);
    // 127 negative values, mirror images of the positive ones except 1.0.
    for (size_t i = 0; i < 127; ++i)
        EXPECT_EQ(m[i], -m[254 - i]) << i;
    // The smallest magnitude: 1e-6 * (0.1 + 1) / 2; the largest below 1: (0.9859375 + 1) / 2.
    EXPECT_NEAR(m[128], 5.5e-7f, 1e-12f);
    EXPECT_NEAR(m[254], 0.99296875f, 1e-6f);
    // bnb's search never returns 255: +1 lands on 254.
    EXPECT_EQ(dynamicQuantCode(1.0f), 254);
    EXPECT_EQ(dynamicQuantCode(0.0f), 127);
    // Even codes other than 0 and 254 are never returned: the last pivot is not compared.
    for (int c = 2; c < 254; c += 2)
        EXPECT_NE(dynamicQuantCode(m[size_t(c)]), c) << c;
}

TEST(Nf4Format, BitsPerWeightWorkedByHand) {
    // 4096 x 4096: 4 bits + f32 absmax per 64 = 4.5 exactly.
    EXPECT_EQ(quantizedBytes(QuantFormat::Nf4, 4096, 4096), 8388608u + 262144u * 4u);
    // Double quant: 262144 absmax as 8-bit codes, 1024 f32 second-level absmax, one f32 mean:
    // 8388608 + 262144 + 4096 + 4 bytes = 4.12695503... bits per weight.
    EXPECT_EQ(quantizedBytes(QuantFormat::Nf4Dq, 4096, 4096), 8388608u + 262144u + 4096u + 4u);
    std::vector<float> w(64 * 256 * 2);
    std::mt19937 rng(1);
    std::normal_distribution<float> g(0.0f, 1.0f);
    for (auto& x : w)
        x = g(rng);
    QuantizedTensor q;
    quantizeReference(QuantFormat::Nf4, w, 2, 64 * 256, q);
    EXPECT_DOUBLE_EQ(measureError(w, q).bitsPerWeight, 4.5);
    quantizeReference(QuantFormat::Fp4Dq, w, 2, 64 * 256, q);
    EXPECT_DOUBLE_EQ(measureError(w, q).bitsPerWeight, 4.0 + 8.0 / 64 + (2 * 32.0 + 32) / 32768);
    EXPECT_NEAR(8.0 * double(quantizedBytes(QuantFormat::Nf4Dq, 4096, 4096)) / (4096.0 * 4096),
                4.127, 0.0005);
}

TEST(Nf4Format, DoubleQuantizedAbsmaxStaysCloseAndSumsTheMean) {
    const auto w = normalWeights(64 * 600, 29);
    QuantizedTensor q;
    quantizeReference(QuantFormat::Nf4Dq, w, 1, 64 * 600, q);
    ASSERT_EQ(q.doubleQuant.codes.size(), 600u);
    ASSERT_EQ(q.doubleQuant.absmax.size(), 3u); // 256 + 256 + 88
    double mean = 0;
    for (float a : q.scales)
        mean += a;
    EXPECT_FLOAT_EQ(q.doubleQuant.offset, float(mean / 600));
    // bnb's search tests odd pivots only and then picks the nearer of the last two, so the
    // codes it returns are 0, the odd ones and 254: the bound is half their widest gap, or
    // the distance from +-1 to the outermost of them.
    const auto& m = dynamicQuantMap();
    std::vector<float> reachable{m[0], m[254]};
    for (size_t i = 1; i < 255; i += 2)
        reachable.push_back(m[i]);
    std::sort(reachable.begin(), reachable.end());
    float widest = std::max(1.0f - m[254], 1.0f + m[0]);
    for (size_t i = 1; i < reachable.size(); ++i)
        widest = std::max(widest, (reachable[i] - reachable[i - 1]) / 2);
    for (int64_t i = 0; i < 600; ++i) {
        const float a2 = q.doubleQuant.absmax[size_t(i / 256)];
        EXPECT_LE(std::fabs(q.storedScale(0, i) - q.scales[size_t(i)]), widest * a2 * 1.001f) << i;
    }
}

} // namespace
} // namespace ql
