// The vectorised Q4_K, Q5_K, Q6_K and IQ4_NL encoders write the scalar encoders' bytes, at every
// SIMD level this CPU has, on random, outlier-laden and degenerate rows (flat sub-blocks, zeros,
// tiny values next to 6e4, negative-only, one odd block left over for the AVX2 kernel).
#include "engine/quant/imatrix_quantize.h"
#include "engine/quant/kquant_encode.h"

#include <cmath>
#include <cstring>
#include <gtest/gtest.h>
#include <iostream>
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

bool isKQuantType(DType type) {
    return dtypeInfo(type).blockSize == 256 || type == DType::IQ4_NL;
}

// The scalar encoder of a searched type: kquantRowEncoder's, or for the legacy block types
// (only with importance) importanceRowEncoder's.
ImportanceRowEncoder scalarEncoder(DType type) {
    return isKQuantType(type) ? kquantRowEncoder(type) : importanceRowEncoder(type);
}

// 6 rows of 7 super-blocks (pairs for AVX-512's K-quant groups plus one left over; for the
// blocks of 32, 56 = 3 x 16 + 8); importance: one weight per value of a row, or empty.
void expectLanesEqualScalar(DType type, const std::vector<float>& importance = {}) {
    const auto& info = dtypeInfo(type);
    const int64_t rows = 6, cols = 256 * 7;
    const auto x = testRows(rows * cols);
    const size_t blockBytes = size_t(info.typeSize);
    const size_t rowBytes = size_t(cols / info.blockSize) * blockBytes;
    const float* imp = importance.empty() ? nullptr : importance.data();
    std::vector<std::byte> scalar(rowBytes * rows);
    for (int64_t r = 0; r < rows; ++r)
        scalarEncoder(type)(x.data() + r * cols, scalar.data() + r * rowBytes, cols, imp);
    if (imp && isKQuantType(type)) { // the importance must matter, or the test says little
        std::vector<std::byte> plain(rowBytes);
        scalarEncoder(type)(x.data(), plain.data(), cols, nullptr);
        EXPECT_NE(0, std::memcmp(plain.data(), scalar.data(), rowBytes)) << info.name;
    }
    for (SimdLevel level : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512}) {
        if (level > detectedSimdLevel()) {
            std::cout << "[ note ] this CPU lacks SIMD level " << int(level) << "; not run\n";
            continue;
        }
        std::vector<std::byte> lanes(rowBytes * rows, std::byte{0xAB});
        for (int64_t r = 0; r < rows; ++r)
            quantizeRowInLanes(type, x.data() + r * cols, lanes.data() + r * rowBytes, cols, imp,
                               level);
        for (size_t b = 0; b < scalar.size(); b += blockBytes)
            ASSERT_EQ(0, std::memcmp(scalar.data() + b, lanes.data() + b, blockBytes))
                << info.name << (imp ? " with importance" : "") << ", level " << int(level)
                << ", block " << b / blockBytes;
    }
}

TEST(KQuantFast, PlainEncodersInLanesEqualScalarAtEverySimdLevel) {
    for (DType type :
         {DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::IQ4_NL})
        expectLanesEqualScalar(type);
}

// With an importance vector (llama.cpp's imatrix) spanning 1e-4..1e4 with a weightless
// stretch: every type that takes one, the lanes give the scalar encoders' bytes.
TEST(KQuantFast, ImportanceWeightedEncodersInLanesEqualScalar) {
    const int64_t cols = 256 * 7;
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> spread(-4.0f, 4.0f);
    std::vector<float> row(static_cast<size_t>(cols));
    for (auto& w : row)
        w = std::pow(10.0f, spread(rng));
    std::fill(row.begin() + 40, row.begin() + 72, 0.0f);
    std::vector<float> importance;
    for (int r = 0; r < 6; ++r) // one vector per column, the same for every row
        importance.insert(importance.end(), row.begin(), row.end());
    for (DType type : {DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K,
                       DType::IQ4_NL, DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1})
        expectLanesEqualScalar(type, importance);
}

} // namespace
} // namespace ql
