// The scalar reference against hand-worked cases, and the CPU path against the
// reference on shapes that exercise the vector loops' tails.
#include "engine/compute/backend.h"
#include "engine/core/error.h"
#include "engine/core/half.h"
#include "engine/quant/metrics.h"

#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <random>

namespace ql {
namespace {

TEST(QuantizeReference, Int8WorkedByHand) {
    // absmax 2.54 -> scale 0.02; 1.0 / 0.02 = 50, -2.54 -> -127, 0.01 -> 0.5 -> 0 (ties to even)
    const std::vector<float> w{1.0f, -2.54f, 0.01f, 0.03f};
    QuantizedTensor q;
    quantizeReference(QuantFormat::Int8PerChannel, w, 1, 4, q);
    EXPECT_FLOAT_EQ(q.scales[0], 2.54f / 127.0f);
    EXPECT_EQ(q.codes[0], 50);
    EXPECT_EQ(q.codes[1], -127);
    EXPECT_EQ(q.codes[2], 0); // 0.5 rounds to even 0
    EXPECT_EQ(q.codes[3], 2); // 1.5 rounds to even 2
}

TEST(QuantizeReference, Int4GroupsOf128WithPartialTail) {
    // 130 columns: one full group of 128 and a tail group of 2 with its own scale.
    std::vector<float> w(130, 0.0f);
    w[5] = 7.0f;
    w[128] = -0.7f;
    w[129] = 0.35f;
    QuantizedTensor q;
    quantizeReference(QuantFormat::Int4G128, w, 1, 130, q);
    ASSERT_EQ(q.scales.size(), 2u);
    EXPECT_FLOAT_EQ(q.scales[0], 1.0f);
    EXPECT_FLOAT_EQ(q.scales[1], 0.1f);
    EXPECT_EQ(q.codes[5], 7);
    EXPECT_EQ(q.codes[128], -7);
    EXPECT_EQ(q.codes[129], 4); // 0.35f * 10 rounds to 3.5 in f32: a tie, to even 4
}

TEST(QuantizeReference, ZeroRowGivesZeroScaleAndCodes) {
    const std::vector<float> w(64, 0.0f);
    QuantizedTensor q;
    quantizeReference(QuantFormat::Int8PerChannel, w, 2, 32, q);
    for (float s : q.scales)
        EXPECT_EQ(s, 0.0f);
    for (int8_t c : q.codes)
        EXPECT_EQ(c, 0);
    const ErrorMetrics m = measureError(w, q);
    EXPECT_EQ(m.rmse, 0.0);
    EXPECT_EQ(m.cosine, 1.0);
    EXPECT_TRUE(std::isinf(m.snrDb));
}

TEST(QuantizeReference, RoundTripErrorWithinHalfAStep) {
    std::mt19937 rng(7);
    std::normal_distribution<float> n(0.0f, 0.02f);
    std::vector<float> w(33 * 257);
    for (auto& x : w)
        x = n(rng);
    for (QuantFormat f : {QuantFormat::Int8PerChannel, QuantFormat::Int4G128}) {
        QuantizedTensor q;
        quantizeReference(f, w, 33, 257, q);
        const auto deq = q.dequantize();
        const int g = quantFormatInfo(f).groupSize == 0 ? 257 : 128;
        for (int64_t r = 0; r < 33; ++r)
            for (int64_t j = 0; j < 257; ++j) {
                const float d = q.storedScale(r, j / g);
                // half a step, plus the fp16 rounding of the scale applied to the code
                const float bound =
                    0.5f * d +
                    std::fabs(q.scales[size_t(r * groupsPerRow(f, 257) + j / g)] - d) *
                        quantFormatInfo(f).qmax +
                    1e-7f;
                EXPECT_LE(std::fabs(deq[size_t(r * 257 + j)] - w[size_t(r * 257 + j)]), bound);
            }
    }
}

TEST(CpuBackend, MatchesReferenceOnOddShapes) {
    auto cpu = makeCpuBackend(2);
    std::mt19937 rng(11);
    std::student_t_distribution<float> t(4.0f);
    for (auto [rows, cols] :
         {std::pair<int64_t, int64_t>{1, 1}, {3, 33}, {7, 127}, {5, 4097}, {64, 172}, {300, 257}}) {
        std::vector<float> w(size_t(rows * cols));
        for (auto& x : w)
            x = 0.02f * t(rng);
        w[0] = 0.5f; // an outlier
        for (QuantFormat f : {QuantFormat::Int8PerChannel, QuantFormat::Int4G128}) {
            QuantizedTensor ref, got;
            quantizeReference(f, w, rows, cols, ref);
            cpu->quantize(f, w, rows, cols, got);
            EXPECT_EQ(ref.codes, got.codes) << rows << "x" << cols;
            EXPECT_EQ(ref.scales, got.scales) << rows << "x" << cols;
            EXPECT_EQ(got.backend, "cpu (2 threads)");
        }
    }
}

TEST(Formats, BytesAndBitsPerWeight) {
    // int8: 4096 codes + one fp16 scale per row; int4-g128: 2048 bytes + 32 scales per row.
    EXPECT_EQ(quantizedBytes(QuantFormat::Int8PerChannel, 2, 4096), 2u * (4096 + 2));
    EXPECT_EQ(quantizedBytes(QuantFormat::Int4G128, 2, 4096), 2u * (2048 + 32 * 2));
    // Odd columns: 33 int4 codes need 17 bytes, one group.
    EXPECT_EQ(quantizedBytes(QuantFormat::Int4G128, 1, 33), 17u + 2u);
    std::vector<float> w(4096, 0.25f);
    QuantizedTensor q;
    quantizeReference(QuantFormat::Int4G128, w, 1, 4096, q);
    EXPECT_DOUBLE_EQ(measureError(w, q).bitsPerWeight, 4.125);
}

} // namespace
} // namespace ql

namespace ql {
namespace {

// Every symmetric RTN grid in the format table: the CPU path equals the reference, and
// each weight lies within half a step of its group's grid (plus the fp16 scale's error).
TEST(RtnGrids, EveryGridMatchesReferenceAndBoundsTheError) {
    auto cpu = makeCpuBackend(2);
    std::mt19937 rng(21);
    std::student_t_distribution<float> t(4.0f);
    const int64_t rows = 9, cols = 300; // 300: partial last group for 32, 64 and 128
    std::vector<float> w(size_t(rows * cols));
    for (auto& x : w)
        x = 0.02f * t(rng);
    int grids = 0;
    for (const auto& info : quantFormats()) {
        // Per-group absmax grids only; int_format_test covers the other schemes.
        if (info.kind != QuantKind::Rtn || info.scheme != QuantScheme::SymAbsmax || info.perTensor)
            continue;
        ++grids;
        QuantizedTensor ref, got;
        quantizeReference(info.format, w, rows, cols, ref);
        cpu->quantize(info.format, w, rows, cols, got);
        EXPECT_EQ(ref.codes, got.codes) << info.name;
        EXPECT_EQ(ref.scales, got.scales) << info.name;
        const auto deq = ref.dequantize();
        const int64_t g = info.groupSize == 0 ? cols : info.groupSize;
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t j = 0; j < cols; ++j) {
                const float s = ref.scales[size_t(r * groupsPerRow(info.format, cols) + j / g)];
                const float d = ref.storedScale(r, j / g);
                const float bound = 0.5f * d + std::fabs(s - d) * float(info.qmax) + 1e-7f;
                EXPECT_LE(std::fabs(deq[size_t(r * cols + j)] - w[size_t(r * cols + j)]), bound)
                    << info.name;
            }
        // Bits per weight: code bits plus one fp16 scale per group, by hand.
        const double groupsPerRowExact = double((cols + g - 1) / g);
        const double expected =
            (double(rows) * (std::ceil(double(cols * info.bits) / 8.0) + 2 * groupsPerRowExact) *
             8) /
            double(rows * cols);
        EXPECT_DOUBLE_EQ(measureError(w, ref).bitsPerWeight, expected) << info.name;
    }
    EXPECT_EQ(grids, 16); // int{8,4,3,2} x {channel, g32, g64, g128}
}

} // namespace
} // namespace ql
