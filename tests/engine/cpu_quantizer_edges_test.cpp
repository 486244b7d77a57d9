// Every CPU quantizer the speed target names (Q8_0, Q4_0, int8 per channel, int4-g128,
// NF4, FP8 E4M3/E5M2 per row and per tensor), plus the rest of the unpacked family,
// against the scalar reference byte for byte, on widths that leave every vector loop a
// tail (1, 31, 32, 33, 127, 4097 values; whole blocks of 32 for the GGUF types) and on
// rows built from the values that break fast paths: zeros and -0, exact rounding ties,
// subnormals, +-6e4 beside tiny values, the FP8 saturation and rounding boundaries, and
// NF4's thresholds. The CPU backend runs with 2 threads over row chunks.
#include "engine/compute/backend.h"
#include "engine/compute/cpu/quantize_cpu_avx512.h"
#include "engine/quant/fp8.h"
#include "engine/quant/hqq.h"
#include "engine/quant/nf4.h"
#include "engine/quant/quantize.h"

#include <bit>
#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <random>

namespace ql {
namespace {

constexpr int kPatterns = 10;

// The j-th value of a row in pattern `kind`.
float edgeValue(int kind, int64_t j, std::mt19937& rng) {
    std::normal_distribution<float> gauss(0.0f, 0.05f);
    const float tiny = std::numeric_limits<float>::denorm_min();
    switch (kind) {
    case 1: // zeros and negative zeros
        return j % 3 == 0 ? -0.0f : 0.0f;
    case 2: // a coarse grid: many exact ties of x * id against .5
        return float(int(j % 17) - 8) / 8.0f;
    case 3: // subnormals, some zeros
        return tiny * float(int(j % 9) - 4) * (j % 5 == 0 ? 0.0f : 1.0f);
    case 4: // +-6e4 beside tiny ordinary values
        return j % 16 == 0 ? (j % 32 == 0 ? 6.0e4f : -6.0e4f) : 1.0e-3f * float(j % 7);
    case 5: { // FP8 saturation and rounding boundaries (each kind's largest finite value)
        const float b[] = {448.0f,   464.0f,   -464.0f,   447.9f,    480.0f, 57344.0f,
                           61440.0f, 61439.0f, -57344.0f, 0.015625f, 0.0f,   1.0e-4f};
        return b[j % 12];
    }
    case 6: // constant
        return 0.375f;
    case 7: // one outlier per 29 values
        return j % 29 == 3 ? 40.0f : gauss(rng);
    case 8: { // NF4's thresholds and their neighbours (a block's absmax is 1)
        const auto& t = nf4Thresholds();
        const float v = t[size_t(j % 15)];
        return j % 64 == 0 ? 1.0f : (j % 3 == 0 ? std::nextafter(v, 2.0f) : v);
    }
    case 9: // both signs of the largest magnitude, first one on ties
        return j % 11 == 0 ? (j % 22 == 0 ? 2.0f : -2.0f) : gauss(rng);
    default:
        return gauss(rng);
    }
}

std::vector<float> edgeRows(int64_t rows, int64_t cols, int firstKind) {
    std::mt19937 rng(uint32_t(cols * 7 + firstKind));
    std::vector<float> w(size_t(rows * cols));
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < cols; ++j)
            w[size_t(r * cols + j)] = edgeValue(int((r + firstKind) % kPatterns), j, rng);
    return w;
}

// Bit for bit: -0 and 0, and NaN codes of scales, count as different.
::testing::AssertionResult sameBits(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size())
        return ::testing::AssertionFailure() << "sizes " << a.size() << " vs " << b.size();
    for (size_t i = 0; i < a.size(); ++i)
        if (std::bit_cast<uint32_t>(a[i]) != std::bit_cast<uint32_t>(b[i]))
            return ::testing::AssertionFailure() << "at " << i << ": " << a[i] << " vs " << b[i];
    return ::testing::AssertionSuccess();
}

void expectCpuEqualsReference(QuantFormat f, const std::vector<float>& w, int64_t rows,
                              int64_t cols) {
    SCOPED_TRACE(std::string(quantFormatInfo(f).name) + ", " + std::to_string(rows) + " x " +
                 std::to_string(cols));
    QuantizedTensor ref, cpu;
    quantizeReference(f, w, rows, cols, ref);
    makeCpuBackend(2)->quantize(f, w, rows, cols, cpu);
    EXPECT_EQ(cpu.packed, ref.packed);
    EXPECT_EQ(cpu.codes, ref.codes);
    EXPECT_TRUE(sameBits(cpu.scales, ref.scales));
    EXPECT_TRUE(sameBits(cpu.zeros, ref.zeros));
    EXPECT_EQ(cpu.doubleQuant.codes, ref.doubleQuant.codes);
    EXPECT_TRUE(sameBits(cpu.doubleQuant.absmax, ref.doubleQuant.absmax));
}

TEST(CpuQuantizerEdges, UnpackedFormatsEqualTheReferenceAtOddWidths) {
    int checked = 0;
    for (int64_t cols : {1, 31, 32, 33, 127, 4097}) {
        const int64_t rows = cols > 1000 ? 2 * kPatterns : 3 * kPatterns;
        for (int first : {0, 5}) {
            const auto w = edgeRows(rows, cols, first);
            for (const auto& info : quantFormats()) {
                if (info.kind == QuantKind::Block || isHqqFormat(info.format))
                    continue;
                expectCpuEqualsReference(info.format, w, rows, cols);
                ++checked;
            }
        }
    }
    EXPECT_GE(checked, 6 * 2 * 20);
}

TEST(CpuQuantizerEdges, Fp8EqualsTheReferenceAtOddWidths) {
    for (int64_t cols : {1, 31, 32, 33, 127, 4097})
        for (int first : {0, 3, 5, 7}) {
            const int64_t rows = cols > 1000 ? kPatterns : 3 * kPatterns;
            const auto w = edgeRows(rows, cols, first);
            for (QuantFormat f : {QuantFormat::Fp8E4M3, QuantFormat::Fp8E5M2,
                                  QuantFormat::Fp8E4M3Tensor, QuantFormat::Fp8E5M2Tensor})
                expectCpuEqualsReference(f, w, rows, cols);
        }
}

// Row lengths in whole blocks of 32 that leave the eight-block batches every remainder.
TEST(CpuQuantizerEdges, GgufQ8_0AndQ4_0EqualTheReference) {
    for (int64_t cols : {32, 96, 224, 256, 288, 4096 + 224})
        for (int first : {0, 3, 5, 9}) {
            const int64_t rows = cols > 1000 ? kPatterns : 3 * kPatterns;
            const auto w = edgeRows(rows, cols, first);
            for (QuantFormat f : {QuantFormat::Q8_0, QuantFormat::Q4_0})
                expectCpuEqualsReference(f, w, rows, cols);
        }
}

// A per-tensor scale spans every row chunk of every thread: one outlier in the last row
// sets it, and a tensor of subnormals gives the reference's zero-scale rule.
TEST(CpuQuantizerEdges, PerTensorScalesSpanAllChunks) {
    const int64_t rows = 300, cols = 257; // many chunks of rows on two threads
    auto w = edgeRows(rows, cols, 0);
    w.back() = -9.0e3f;
    for (const auto& info : quantFormats())
        if (info.perTensor && !isHqqFormat(info.format))
            expectCpuEqualsReference(info.format, w, rows, cols);
    std::vector<float> tiny(size_t(rows * cols), std::numeric_limits<float>::denorm_min());
    for (const auto& info : quantFormats())
        if (info.perTensor && !isHqqFormat(info.format))
            expectCpuEqualsReference(info.format, tiny, rows, cols);
}

// The AVX-512 NF4 search on every threshold, its float neighbours, both signs, the ends
// of the code book, NaN and infinities, then many random values.
TEST(CpuQuantizerEdges, Nf4Avx512SearchEqualsTheDecisionTree) {
    if (!cpuHasAvx512())
        GTEST_SKIP() << "no AVX-512 on this CPU";
    std::vector<float> v;
    for (float t : nf4Thresholds())
        for (float s : {-1.0f, 1.0f})
            v.insert(v.end(), {s * t, std::nextafter(s * t, 2.0f), std::nextafter(s * t, -2.0f)});
    const float inf = std::numeric_limits<float>::infinity();
    v.insert(v.end(), {0.0f, -0.0f, 1.0f, -1.0f, 2.0f, -2.0f, std::nanf(""), inf, -inf});
    std::mt19937 rng(12);
    std::uniform_real_distribution<float> u(-1.05f, 1.05f);
    while (v.size() % 16 != 0 || v.size() < 100000)
        v.push_back(u(rng));
    std::vector<int8_t> codes(v.size(), -1);
    encodeNf4Avx512(v.data(), int64_t(v.size()), 1.0f, codes.data());
    for (size_t i = 0; i < v.size(); ++i)
        ASSERT_EQ(int(codes[i]), int(nf4Code(v[i]))) << "value " << v[i] << " at " << i;
}

} // namespace
} // namespace ql
