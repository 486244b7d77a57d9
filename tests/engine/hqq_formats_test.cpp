// The registered HQQ formats (hqq-int{2,3,4,8}-g64): what the table says about them (bits
// per weight worked by hand from HQQ's fp16 scale and zero per 64 weights, the solver's
// constants in the description), that every path gives the reference's codes whatever the
// threads, that Vulkan declines them with a reason, and that on the real weights of
// stories260K each lowers the RMSE against asymmetric RTN of the same bits and group.
#include "engine/compute/backend.h"
#include "engine/compute/vulkan/kernel_choice.h"
#include "engine/core/half.h"
#include "engine/model/model.h"
#include "engine/quant/hqq.h"
#include "engine/quant/metrics.h"
#include "tests/common/random_weights.h"
#include "tests/common/test_data.h"

#include <cmath>
#include <cstring>
#include <gtest/gtest.h>
#include <limits>
#include <random>
#include <string>

namespace ql {
namespace {

struct HqqCase {
    QuantFormat hqq;
    const char* name;
    const char* rtn;
    int bits;
};

const HqqCase kCases[] = {{QuantFormat::HqqInt2G64, "hqq-int2-g64", "int2-g64-asym", 2},
                          {QuantFormat::HqqInt3G64, "hqq-int3-g64", "int3-g64-asym", 3},
                          {QuantFormat::HqqInt4G64, "hqq-int4-g64", "int4-g64-asym", 4},
                          {QuantFormat::HqqInt8G64, "hqq-int8-g64", "int8-g64-asym", 8}};

TEST(HqqFormats, AreInTheTableWithHonestBitsPerWeight) {
    for (const auto& c : kCases) {
        SCOPED_TRACE(c.name);
        ASSERT_EQ(quantFormatFromName(c.name), c.hqq);
        const auto& info = quantFormatInfo(c.hqq);
        EXPECT_EQ(info.method, "hqq");
        EXPECT_EQ(info.bits, c.bits);
        EXPECT_EQ(info.groupSize, 64);
        EXPECT_EQ(info.scheme, QuantScheme::Asym);
        EXPECT_EQ(info.qmax, (1 << c.bits) - 1);
        EXPECT_TRUE(isHqqFormat(c.hqq));
        EXPECT_TRUE(needsWholeTensor(c.hqq)) << "the early stop is tensor-wide";
        // bits + (16-bit scale + 16-bit zero) / 64 = bits + 0.5, by hand.
        EXPECT_EQ(quantizedBytes(c.hqq, 4096, 4096),
                  uint64_t(4096) * 4096 * uint64_t(c.bits) / 8 + uint64_t(4096) * 64 * 4);
        // The RTN family keeps its own name for the same grid.
        EXPECT_EQ(quantFormatInfo(*intRtnFormat(c.bits, 64, QuantScheme::Asym)).name, c.rtn);
        EXPECT_FALSE(isHqqFormat(*quantFormatFromName(c.rtn)));
    }
}

TEST(HqqFormats, DescriptionNamesTheSolverParameters) {
    const HqqParams p;
    EXPECT_FLOAT_EQ(p.p, 0.7f);
    EXPECT_FLOAT_EQ(p.beta, 10.0f);
    EXPECT_FLOAT_EQ(p.kappa, 1.01f);
    EXPECT_EQ(p.iterations, 20);
    EXPECT_TRUE(p.earlyStop);
    EXPECT_FALSE(p.roundZero);
    for (const auto& c : kCases) {
        const std::string text(quantFormatInfo(c.hqq).convention);
        for (const char* word : {"p = 0.7", "beta = 10", "kappa = 1.01", "20 rounds", "early",
                                 "fp16 scale and fp16 zero"})
            EXPECT_NE(text.find(word), std::string::npos) << c.name << ": " << word;
        // HQQ's BaseQuantizeConfig rounds the start's zero at 4 bits only; so do these.
        EXPECT_EQ(hqqRoundsZero(c.hqq), c.bits == 4) << c.name;
        EXPECT_NE(text.find(c.bits == 4 ? "zero = -min/step rounded to an integer, as HQQ's "
                                          "BaseQuantizeConfig sets round_zero at 4 bits"
                                        : "zero = -min/step, not rounded: HQQ's "
                                          "BaseQuantizeConfig sets round_zero at 4 bits only"),
                  std::string::npos)
            << c.name;
    }
}

TEST(HqqFormats, CpuBackendMatchesTheReferenceOnAnyThreadCount) {
    const int64_t rows = 37, cols = 200; // a short last group in every row
    const auto x = test::gaussianWeights(size_t(rows * cols), 0.02f, 7);
    for (const auto& c : kCases) {
        SCOPED_TRACE(c.name);
        QuantizedTensor ref;
        quantizeReference(c.hqq, x, rows, cols, ref);
        EXPECT_EQ(ref.format, c.hqq);
        EXPECT_EQ(ref.backend, "ref");
        for (int threads : {1, 2, 4}) {
            QuantizedTensor out;
            makeCpuBackend(threads)->quantize(c.hqq, x, rows, cols, out);
            EXPECT_EQ(out.codes, ref.codes) << threads;
            EXPECT_EQ(out.scales, ref.scales) << threads;
            EXPECT_EQ(out.zeros, ref.zeros) << threads;
        }
    }
}

// The solver's groups in vector lanes (hqq_lanes.h) at every level this CPU has: the
// reference's codes, steps, zeros and round count, on shapes whose rows end in a short
// group (runs of equal groups broken) or cross rows, of short groups only (24 values: a
// tail chunk; 12 of them: AVX2's 8 on an AVX-512 machine, then the scalar round), with
// flat, zero, tiny and outlier groups among Gaussian ones.
TEST(HqqFormats, VectorLanesGiveTheReferenceResult) {
    const struct {
        int64_t rows, cols;
    } shapes[] = {{64, 1024}, {37, 200}, {41, 448}, {5, 4104}, {33, 24}, {12, 24}};
    int compared = 0;
    for (const auto& shape : shapes) {
        auto x = test::gaussianWeights(size_t(shape.rows * shape.cols), 0.02f, 11);
        for (size_t i = 0; i < x.size(); i += 97)
            x[i] *= 50.0f; // outliers
        // Rows scaled by 1 to 1000: at 0.02 a residual never outgrows the Lp shrink's cut
        // (|t|^-0.3 / 10), so the shrink would only ever give 0.
        for (size_t i = 0; i < x.size(); ++i)
            x[i] *= std::pow(10.0f, float((i / size_t(shape.cols)) % 4));
        std::fill(x.begin() + 64, x.begin() + 128, 0.25f); // a flat group
        std::fill(x.begin() + 128, x.begin() + 192, 0.0f); // a zero group
        for (size_t i = 192; i < 256; ++i)                 // tiny values
            x[i] = float(int(i % 5) - 2) * 1e-30f;
        for (const auto& c : kCases) {
            SCOPED_TRACE(std::string(c.name) + " " + std::to_string(shape.rows) + "x" +
                         std::to_string(shape.cols));
            QuantizedTensor ref;
            const int refRounds = quantizeHqq(c.hqq, x, shape.rows, shape.cols, ref);
            for (SimdLevel level : {SimdLevel::Avx2, SimdLevel::Avx512}) {
                if (level > detectedSimdLevel())
                    continue;
                for (int threads : {1, 2}) {
                    QuantizedTensor out;
                    EXPECT_EQ(
                        quantizeHqq(c.hqq, x, shape.rows, shape.cols, out, {}, threads, level),
                        refRounds);
                    EXPECT_EQ(out.codes, ref.codes) << int(level) << " " << threads;
                    EXPECT_EQ(out.scales, ref.scales) << int(level) << " " << threads;
                    EXPECT_EQ(out.zeros, ref.zeros) << int(level) << " " << threads;
                    ++compared;
                }
            }
        }
    }
    if (compared == 0)
        GTEST_SKIP() << "this CPU has no AVX2: only the scalar solver ran";
}

// A group that starts with a NaN has a NaN step and zero; the lanes and the reference store
// the same bytes for it (one positive quiet NaN zero), and the other groups are unaffected.
TEST(HqqFormats, VectorLanesStoreANaNGroupAsTheReference) {
    const int64_t rows = 16, cols = 24;
    auto x = test::gaussianWeights(size_t(rows * cols), 0.02f, 5);
    x[0] = -std::numeric_limits<float>::quiet_NaN();
    QuantizedTensor ref;
    quantizeHqq(QuantFormat::HqqInt4G64, x, rows, cols, ref);
    EXPECT_TRUE(std::isnan(ref.zeros[0]));
    EXPECT_FALSE(std::signbit(ref.zeros[0]));
    int compared = 0;
    for (SimdLevel level : {SimdLevel::Avx2, SimdLevel::Avx512}) {
        if (level > detectedSimdLevel())
            continue;
        QuantizedTensor out;
        quantizeHqq(QuantFormat::HqqInt4G64, x, rows, cols, out, {}, 1, level);
        EXPECT_EQ(out.codes, ref.codes) << int(level);
        ASSERT_EQ(out.zeros.size(), ref.zeros.size());
        EXPECT_EQ(0, std::memcmp(out.zeros.data(), ref.zeros.data(), 4 * ref.zeros.size()));
        EXPECT_EQ(0, std::memcmp(out.scales.data(), ref.scales.data(), 4 * ref.scales.size()));
        ++compared;
    }
    if (compared == 0)
        GTEST_SKIP() << "this CPU has no AVX2: only the scalar solver ran";
}

TEST(HqqFormats, StoresFp16ZerosThatDequantizeAsStored) {
    const auto x = test::gaussianWeights(64 * 3, 0.02f, 11);
    QuantizedTensor q;
    quantizeHqq(QuantFormat::HqqInt4G64, x, 3, 64, q);
    const float offset = 8.0f; // codeOffset of a 4-bit asymmetric grid
    for (size_t g = 0; g < q.zeros.size(); ++g) {
        const float zero = q.zeros[g] + offset;
        EXPECT_EQ(halfToFloat(floatToHalf(zero)), zero) << g;
    }
    // Dequantized value = (code - zero) * fp16(scale), by hand for the first weight.
    const auto y = q.dequantize();
    const float step = halfToFloat(floatToHalf(q.scales[0]));
    EXPECT_EQ(y[0], (float(q.codes[0]) - q.zeros[0]) * step);
}

// An unclipped weight lies within half a step of its code's value, plus what storing the
// step and the zero in fp16 moves it: |s - s16| * 2^bits and half an fp16 ulp of a zero
// below 2^bits (at most 2^bits * 2^-11) times the step.
TEST(HqqFormats, UnclippedWeightsWithinHalfAStepPlusFp16Meta) {
    const int64_t rows = 9, cols = 300;
    const auto w = test::gaussianWeights(size_t(rows * cols), 0.02f, 5);
    for (const auto& c : kCases) {
        QuantizedTensor q;
        quantizeReference(c.hqq, w, rows, cols, q);
        const auto d = q.dequantize();
        const float reach = float(1 << c.bits), offset = float(1 << (c.bits - 1));
        int unclipped = 0;
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t j = 0; j < cols; ++j) {
                const float code = float(q.codes[size_t(r * cols + j)]) + offset;
                if (code == 0.0f || code == reach - 1.0f)
                    continue; // clipped: HQQ's zero may move the grid off the group's range
                ++unclipped;
                const size_t gi = size_t(r * groupsPerRow(c.hqq, cols) + j / 64);
                const float s = q.scales[gi], s16 = q.storedScale(r, j / 64);
                const float bound =
                    0.5f * s16 + std::fabs(s - s16) * reach + reach / 2048.0f * s16 + 1e-7f;
                EXPECT_LE(std::fabs(d[size_t(r * cols + j)] - w[size_t(r * cols + j)]), bound)
                    << c.name << " row " << r << " col " << j;
            }
        EXPECT_GT(unclipped, rows * cols / 2) << c.name;
    }
}

TEST(HqqFormats, FlatGroupsStayFinite) {
    std::vector<float> x(128, 47.0f); // HQQ's 2e4 step clamp would put the zero beyond fp16
    QuantizedTensor q;
    quantizeHqq(QuantFormat::HqqInt4G64, x, 2, 64, q);
    for (float v : q.dequantize())
        EXPECT_TRUE(std::isfinite(v));
}

double squaredError(const std::vector<float>& x, const QuantizedTensor& q) {
    return measureError(x, q).sumSquaredError;
}

TEST(HqqFormats, BeatAsymmetricRtnOnStories260K) {
    QL_REQUIRE_DATA();
    const auto model = Model::open(test::stories260K());
    for (const auto& c : kCases) {
        const QuantFormat rtn = *quantFormatFromName(c.rtn);
        double hqqTotal = 0.0, rtnTotal = 0.0;
        int64_t weights = 0;
        int tensors = 0, better = 0;
        for (const auto& t : model->tensors()) {
            if (!t.isMatrix())
                continue;
            const auto x = model->readF32(t);
            QuantizedTensor h, r;
            quantizeReference(c.hqq, x, t.rows(), t.cols(), h);
            quantizeReference(rtn, x, t.rows(), t.cols(), r);
            const double e = squaredError(x, h), f = squaredError(x, r);
            hqqTotal += e;
            rtnTotal += f;
            weights += t.elements();
            better += e < f;
            ++tensors;
        }
        const double ratio = std::sqrt(hqqTotal / rtnTotal);
        std::cout << "[ hqq ] " << c.name << " vs " << c.rtn << ": RMSE "
                  << std::sqrt(hqqTotal / double(weights)) << " vs "
                  << std::sqrt(rtnTotal / double(weights)) << ", ratio " << ratio << "; lower on "
                  << better << " of " << tensors << " tensors\n";
        EXPECT_LT(ratio, 1.0) << c.name;
        EXPECT_GE(better, tensors * 3 / 4) << c.name;
    }
}

} // namespace
} // namespace ql
