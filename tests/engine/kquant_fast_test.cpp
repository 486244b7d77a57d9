// The vectorised Q4_K, Q5_K, Q6_K and IQ4_NL encoders write the scalar encoders' bytes, at every
// SIMD level this CPU has, on random, outlier-laden and degenerate rows (flat sub-blocks, zeros,
// tiny values next to 6e4, negative-only, one odd block left over for the AVX2 kernel).
#include "engine/quant/kquant_encode.h"

#include <cmath>
#include <cstring>
#include <gtest/gtest.h>
#include <random>

namespace ql {
namespace {

std::vector<float> testRows(int64_t n) {
    std::mt19937 rng(42);
    std::normal_distribution<float> gauss(0.0f, 0.02f);
    std::vector<float> x(static_cast<size_t>(n));
    for (auto& v : x)
        v = gauss(rng);
    for (int64_t i = 0; i < n; i += 37)
        x[size_t(i)] *= 40.0f; // outliers
    // Degenerate sub-blocks in the first super-blocks.
    std::fill(x.begin(), x.begin() + 32, 0.0f);        // all zeros
    std::fill(x.begin() + 32, x.begin() + 64, 0.7f);   // constant positive
    std::fill(x.begin() + 64, x.begin() + 96, -0.25f); // constant negative
    for (int i = 96; i < 128; ++i)                     // tiny next to huge
        x[size_t(i)] = (i % 4 == 0) ? 6e4f : (i % 4 == 1 ? -1e-30f : (i % 4 == 2 ? -6e4f : 1e-30f));
    for (int i = 256; i < 512; ++i) // a negative-only super-block
        x[size_t(i)] = -std::fabs(x[size_t(i)]) - 0.01f;
    return x;
}

using ScalarRow = void (*)(const float*, std::byte*, int64_t, const float*);
using FastRow = void (*)(const float*, std::byte*, int64_t, SimdLevel);

void expectFastEqualsScalar(ScalarRow scalarRow, FastRow fastRow, size_t blockBytes,
                            int64_t blockValues = 256) {
    const int64_t rows = 6, cols = 256 * 7; // 7 blocks a row: pairs plus one left over
    const auto x = testRows(rows * cols);
    const size_t rowBytes = size_t(cols / blockValues) * blockBytes;
    std::vector<std::byte> scalar(rowBytes * rows);
    for (int64_t r = 0; r < rows; ++r)
        scalarRow(x.data() + r * cols, scalar.data() + r * rowBytes, cols, nullptr);
    for (SimdLevel level : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512}) {
        if (level > detectedSimdLevel()) {
            std::cout << "[ note ] this CPU lacks SIMD level " << int(level) << "; not run\n";
            continue;
        }
        std::vector<std::byte> fast(rowBytes * rows, std::byte{0xAB});
        for (int64_t r = 0; r < rows; ++r)
            fastRow(x.data() + r * cols, fast.data() + r * rowBytes, cols, level);
        for (size_t b = 0; b < scalar.size(); b += blockBytes)
            ASSERT_EQ(0, std::memcmp(scalar.data() + b, fast.data() + b, blockBytes))
                << "level " << int(level) << ", block " << b / blockBytes;
    }
}

TEST(KQuantFast, Q4_KEqualsScalarAtEverySimdLevel) {
    expectFastEqualsScalar(quantizeRowQ4_K, quantizeRowQ4_KFast, sizeof(BlockQ4_K));
}

// Q5_K: the same lanes with codes 0..31 and its own 16 candidates.
TEST(KQuantFast, Q5_KEqualsScalarAtEverySimdLevel) {
    expectFastEqualsScalar(quantizeRowQ5_K, quantizeRowQ5_KFast, sizeof(BlockQ5_K));
}

// Q6_K: make_qx_quants on sub-blocks of 16 in lanes, the super-block step shared.
TEST(KQuantFast, Q6_KEqualsScalarAtEverySimdLevel) {
    expectFastEqualsScalar(quantizeRowQ6_K, quantizeRowQ6_KFast, sizeof(BlockQ6_K));
}

// IQ4_NL: one block of 32 per lane; 7 x 8 blocks a row leave AVX-512 a group of 8 for AVX2.
TEST(KQuantFast, IQ4_NLEqualsScalarAtEverySimdLevel) {
    expectFastEqualsScalar(quantizeRowIQ4_NL, quantizeRowIQ4_NLFast, sizeof(BlockIQ4_NL), 32);
}

// With an importance vector (llama.cpp's imatrix): Q6_K weighs by it alone, IQ4_NL by
// imp * sqrt(sigma2 + x^2); the lanes give the scalar encoders' bytes at every level.
TEST(KQuantFast, ImportanceWeightedQ6_KAndIQ4_NLEqualScalar) {
    const int64_t cols = 256 * 7;
    const auto x = testRows(cols);
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> spread(-4.0f, 4.0f);
    std::vector<float> importance(static_cast<size_t>(cols));
    for (auto& w : importance)
        w = std::pow(10.0f, spread(rng));                              // 1e-4 .. 1e4
    std::fill(importance.begin() + 40, importance.begin() + 72, 0.0f); // a weightless stretch
    using Scalar = void (*)(const float*, std::byte*, int64_t, const float*);
    using Fast = void (*)(const float*, std::byte*, int64_t, SimdLevel, const float*);
    const struct {
        const char* name;
        Scalar scalar;
        Fast fast;
        size_t rowBytes;
    } formats[] = {{"q6_k", quantizeRowQ6_K, quantizeRowQ6_KFast, 7 * sizeof(BlockQ6_K)},
                   {"iq4_nl", quantizeRowIQ4_NL, quantizeRowIQ4_NLFast, 56 * sizeof(BlockIQ4_NL)}};
    int compared = 0;
    for (const auto& f : formats) {
        std::vector<std::byte> scalar(f.rowBytes), plain(f.rowBytes);
        f.scalar(x.data(), scalar.data(), cols, importance.data());
        f.scalar(x.data(), plain.data(), cols, nullptr);
        EXPECT_NE(scalar, plain) << f.name << ": the importance must change the bytes";
        for (SimdLevel level : {SimdLevel::Avx2, SimdLevel::Avx512}) {
            if (level > detectedSimdLevel())
                continue;
            std::vector<std::byte> fast(f.rowBytes, std::byte{0x5A});
            f.fast(x.data(), fast.data(), cols, level, importance.data());
            EXPECT_EQ(scalar, fast) << f.name << " level " << int(level);
            ++compared;
        }
    }
    if (compared == 0)
        GTEST_SKIP() << "this CPU has no AVX2: only the scalar encoders run";
}

} // namespace
} // namespace ql
