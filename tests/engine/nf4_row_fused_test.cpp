// The CPU path's fused NF4 row (quantizeRowNf4Avx2: absmax and codes of a whole row of
// blocks in one call) against the scalar reference, code for code and scale for scale, on
// row lengths whose last block is short or not a multiple of eight, with all-zero blocks,
// tiny values beside large ones, and values exactly on the code-book thresholds.
#include "engine/compute/backend.h"
#include "engine/compute/cpu/quantize_cpu_avx2.h"
#include "engine/quant/nf4.h"
#include "engine/quant/quantize.h"

#include <gtest/gtest.h>
#include <random>

namespace ql {
namespace {

std::vector<float> rowsOf(int64_t rows, int64_t cols, uint32_t seed) {
    std::vector<float> w(size_t(rows * cols));
    std::mt19937 rng(seed);
    std::normal_distribution<float> n(0.0f, 0.05f);
    for (auto& x : w)
        x = n(rng);
    for (int64_t j = 0; j < std::min<int64_t>(cols, 64); ++j)
        w[size_t(j)] = 0.0f; // an all-zero first block: inv = inf, codes of NaN
    const auto& t = nf4Thresholds();
    if (cols > 64 + 16)
        for (size_t k = 0; k < t.size(); ++k) // exactly on thresholds (block absmax 1)
            w[size_t(64 + k)] = t[k];
    if (rows > 1 && cols > 64 + 16) {
        w[size_t(64 + 15)] = 1.0f;
        w[size_t(cols + 5)] = 6.0e4f; // tiny beside large
        w[size_t(cols + 6)] = 1.0e-30f;
    }
    return w;
}

TEST(Nf4RowFused, EqualsTheScalarReference) {
    if (!cpuHasAvx2())
        GTEST_SKIP() << "no AVX2 on this CPU: the fused row is not used";
    auto cpu = makeCpuBackend(2);
    for (QuantFormat format : {QuantFormat::Nf4, QuantFormat::Nf4Dq}) {
        for (int64_t cols : {64, 7, 100, 200, 4096 + 36}) {
            SCOPED_TRACE(std::string(quantFormatInfo(format).name) + ", " + std::to_string(cols) +
                         " columns");
            const int64_t rows = 5;
            const auto w = rowsOf(rows, cols, uint32_t(cols));
            QuantizedTensor ref, fast;
            quantizeReference(format, w, rows, cols, ref);
            cpu->quantize(format, w, rows, cols, fast);
            EXPECT_EQ(fast.codes, ref.codes);
            EXPECT_EQ(fast.scales, ref.scales);
            EXPECT_EQ(fast.doubleQuant.codes, ref.doubleQuant.codes);
            EXPECT_EQ(fast.doubleQuant.absmax, ref.doubleQuant.absmax);
        }
    }
}

TEST(Nf4RowFused, OneCallWritesEveryBlock) {
    if (!cpuHasAvx2())
        GTEST_SKIP() << "no AVX2 on this CPU";
    const int64_t cols = 150; // blocks of 64, 64 and 22
    const auto w = rowsOf(1, cols, 3);
    std::vector<int8_t> codes(size_t(cols), int8_t(-1));
    std::vector<float> scales(3, -1.0f);
    quantizeRowNf4Avx2(w.data(), cols, 64, codes.data(), scales.data());
    for (int64_t g = 0; g < 3; ++g) {
        float absmax = 0.0f;
        for (int64_t j = g * 64; j < std::min<int64_t>(cols, g * 64 + 64); ++j)
            absmax = std::max(absmax, std::fabs(w[size_t(j)]));
        EXPECT_EQ(scales[size_t(g)], absmax);
        for (int64_t j = g * 64; j < std::min<int64_t>(cols, g * 64 + 64); ++j)
            EXPECT_EQ(int(codes[size_t(j)]), int(nf4Code(w[size_t(j)] * (1.0f / absmax))))
                << "element " << j;
    }
}

} // namespace
} // namespace ql
