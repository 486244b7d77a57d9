// Fixed histogram bins and the per-tensor error analysis: edges, bin membership,
// counts that add up, an exact tensor, and independence from row chunking.
#include "engine/quant/error_histogram.h"
#include "engine/quant/metrics.h"

#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <numeric>
#include <random>

namespace ql {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

int64_t total(const std::vector<int64_t>& counts) {
    return std::accumulate(counts.begin(), counts.end(), int64_t(0));
}

std::vector<float> gaussianWeights(int64_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, 0.02f);
    std::vector<float> w(static_cast<size_t>(n));
    for (float& v : w)
        v = dist(rng);
    w[17] = 0.3f; // a 15-sigma outlier, as real projections have
    return w;
}

// Analysis of w quantized in chunks of `step` rows, as the quantize job does.
std::pair<ErrorMetrics, TensorAnalysis> analyse(QuantFormat f, const std::vector<float>& w,
                                                int64_t rows, int64_t cols, int64_t step) {
    WeightMoments moments;
    for (int64_t r = 0; r < rows; r += step)
        moments.add(
            std::span(w).subspan(size_t(r * cols), size_t(std::min(step, rows - r) * cols)));
    TensorErrorAnalyzer analyzer(rows, cols, moments);
    for (int64_t r = 0; r < rows; r += step) {
        const int64_t n = std::min(step, rows - r);
        const auto chunk = std::span(w).subspan(size_t(r * cols), size_t(n * cols));
        QuantizedTensor q;
        quantizeReference(f, chunk, n, cols, q);
        analyzer.add(r, chunk, q);
    }
    return {analyzer.metrics(f), analyzer.analysis(f)};
}

TEST(AnalysisHistogram, ErrorBinsAreQuarterDecadesOfSigma) {
    const HistogramScheme& s = errorHistogramScheme();
    ASSERT_EQ(s.bins(), 30);
    EXPECT_EQ(s.edges.front(), 0.0);
    EXPECT_DOUBLE_EQ(s.edges[1], 1e-6);
    EXPECT_DOUBLE_EQ(s.edges[5], 1e-5);
    EXPECT_DOUBLE_EQ(s.edges[29], 10.0);
    EXPECT_EQ(s.edges.back(), kInf);
    EXPECT_EQ(s.binOf(0.0), 0); // exact weights
    EXPECT_EQ(s.binOf(0.999e-6), 0);
    EXPECT_EQ(s.binOf(s.edges[1]), 1); // a lower edge belongs to its bin
    EXPECT_EQ(s.binOf(0.5), 23);       // edges[23] = 10^-0.5 = 0.316 <= 0.5 < edges[24] = 0.562
    EXPECT_EQ(s.binOf(9.99), 28);
    EXPECT_EQ(s.binOf(10.0), 29);
    EXPECT_EQ(s.binOf(kInf), 29);
}

TEST(AnalysisHistogram, WeightBinsAreQuarterSigmasWithOpenEnds) {
    const HistogramScheme& s = weightHistogramScheme();
    ASSERT_EQ(s.bins(), 66);
    EXPECT_EQ(s.edges.front(), -kInf);
    EXPECT_EQ(s.binOf(-100.0), 0);
    EXPECT_EQ(s.binOf(-8.0), 1);
    EXPECT_EQ(s.binOf(-0.01), 32);
    EXPECT_EQ(s.binOf(0.0), 33);
    EXPECT_EQ(s.binOf(7.99), 64);
    EXPECT_EQ(s.binOf(8.0), 65);
    EXPECT_EQ(histogramSchemeNamed(s.name), &s);
    EXPECT_EQ(histogramSchemeNamed("nope"), nullptr);
}

TEST(AnalysisHistogram, FastBinsEqualTheEdgeSearch) {
    const HistogramScheme& errors = errorHistogramScheme();
    const HistogramScheme& weights = weightHistogramScheme();
    std::vector<double> probes{0.0, 1e-300, 5e-324, 1e300, kInf, -0.0};
    for (const HistogramScheme* s : {&errors, &weights})
        for (double edge : s->edges)
            for (double v : {edge, std::nextafter(edge, -kInf), std::nextafter(edge, kInf)})
                probes.push_back(v);
    std::mt19937 rng(5);
    std::uniform_real_distribution<double> exponent(-8.0, 2.0), z(-10.0, 10.0);
    for (int i = 0; i < 100000; ++i) {
        probes.push_back(std::pow(10.0, exponent(rng)));
        probes.push_back(z(rng));
    }
    for (double v : probes) {
        if (v >= 0) {
            ASSERT_EQ(errorBinOf(v), errors.binOf(v)) << v;
        }
        if (std::isfinite(v)) {
            ASSERT_EQ(weightBinOf(v), weights.binOf(v)) << v;
        }
    }
}

TEST(AnalysisHistogram, CountsSumToTheWeightCount) {
    const int64_t rows = 37, cols = 96;
    const auto w = gaussianWeights(rows * cols, 1);
    for (QuantFormat f : {QuantFormat::Int8PerChannel, QuantFormat::Int4G32, QuantFormat::Q4_0}) {
        const auto [m, a] = analyse(f, w, rows, cols, rows);
        EXPECT_EQ(total(a.errorHistogram), rows * cols);
        EXPECT_EQ(total(a.weightHistogram), rows * cols);
        EXPECT_DOUBLE_EQ(a.errorScale, a.weightSigma);
        // The largest error's bin is the highest non-empty one.
        const int top = errorHistogramScheme().binOf(m.maxAbsError / a.errorScale);
        EXPECT_GT(a.errorHistogram[size_t(top)], 0);
        for (size_t b = size_t(top) + 1; b < a.errorHistogram.size(); ++b)
            EXPECT_EQ(a.errorHistogram[b], 0);
        // The 15-sigma weight sits in the open bin above 8 sigma.
        EXPECT_EQ(a.weightHistogram.back(), 1);
    }
}

TEST(AnalysisHistogram, LowerBitWidthsMoveErrorIntoHigherBins) {
    const int64_t rows = 16, cols = 128;
    const auto w = gaussianWeights(rows * cols, 2);
    const auto median = [](const std::vector<int64_t>& h) {
        int64_t seen = 0, half = total(h) / 2;
        for (size_t b = 0; b < h.size(); ++b)
            if ((seen += h[b]) > half)
                return int(b);
        return -1;
    };
    const int b8 =
        median(analyse(QuantFormat::Int8PerChannel, w, rows, cols, rows).second.errorHistogram);
    const int b4 =
        median(analyse(QuantFormat::Int4G128, w, rows, cols, rows).second.errorHistogram);
    const int b2 =
        median(analyse(QuantFormat::Int2G128, w, rows, cols, rows).second.errorHistogram);
    EXPECT_LT(b8, b4);
    EXPECT_LT(b4, b2);
}

TEST(AnalysisHistogram, ExactTensorHasEveryErrorInBinZero) {
    // Small integers are exact in f16.
    std::vector<float> w(4 * 8);
    for (size_t i = 0; i < w.size(); ++i)
        w[i] = float(int(i % 7) - 3);
    const auto [m, a] = analyse(QuantFormat::F16, w, 4, 8, 4);
    EXPECT_EQ(m.sumSquaredError, 0.0);
    EXPECT_EQ(a.errorHistogram[0], 32);
    EXPECT_EQ(a.codeBits, 16);
    EXPECT_DOUBLE_EQ(a.metadataBitsPerWeight, 0.0);
}

TEST(AnalysisHistogram, ConstantAndZeroTensorsHaveAUsableScale) {
    const std::vector<float> constant(64, 0.5f), zeros(64, 0.0f);
    const auto c = analyse(QuantFormat::Int8PerChannel, constant, 2, 32, 2).second;
    EXPECT_EQ(c.weightSigma, 0.0);
    EXPECT_EQ(c.errorScale, 0.5);         // the RMS of a constant tensor
    EXPECT_EQ(c.weightHistogram[33], 64); // every weight at z = 0
    EXPECT_EQ(c.outliers.beyondK3, 0);
    const auto z = analyse(QuantFormat::Int8PerChannel, zeros, 2, 32, 1).second;
    EXPECT_EQ(z.errorScale, 1.0);
    EXPECT_EQ(z.errorHistogram[0], 64);
}

TEST(AnalysisHistogram, ResultsDoNotDependOnChunking) {
    const int64_t rows = 37, cols = 70;
    const auto w = gaussianWeights(rows * cols, 3);
    for (QuantFormat f :
         {QuantFormat::Int8PerChannel, QuantFormat::Int4G32, QuantFormat::Fp8E4M3}) {
        const auto [m1, a1] = analyse(f, w, rows, cols, rows);
        for (int64_t step : {1, 3, 10, 36}) {
            const auto [m, a] = analyse(f, w, rows, cols, step);
            EXPECT_EQ(a, a1) << "step " << step;
            // Bit for bit, not approximately: the sums run in element order.
            EXPECT_EQ(m.rmse, m1.rmse);
            EXPECT_EQ(m.relFrobenius, m1.relFrobenius);
            EXPECT_EQ(m.snrDb, m1.snrDb);
            EXPECT_EQ(m.cosine, m1.cosine);
            EXPECT_EQ(m.maxAbsError, m1.maxAbsError);
            EXPECT_EQ(m.sumSquaredError, m1.sumSquaredError);
            EXPECT_EQ(m.sumSquaredWeight, m1.sumSquaredWeight);
        }
    }
}

TEST(AnalysisHistogram, EffectiveBitsCountScalesAndZeroPoints) {
    // Worked from the layouts: int4 with an fp16 scale per 128 weights is 4 + 16/128;
    // Q4_0 adds an fp16 scale per 32 (4.5); Q4_1 adds a scale and a minimum (5.0).
    const std::vector<float> w = gaussianWeights(2 * 256, 4);
    const auto int4 = analyse(QuantFormat::Int4G128, w, 2, 256, 2);
    EXPECT_EQ(int4.second.codeBits, 4);
    EXPECT_DOUBLE_EQ(int4.second.metadataBitsPerWeight, 0.125);
    EXPECT_DOUBLE_EQ(int4.first.bitsPerWeight, 4.125);
    const auto q40 = analyse(QuantFormat::Q4_0, w, 2, 256, 2);
    EXPECT_DOUBLE_EQ(q40.second.metadataBitsPerWeight, 0.5);
    const auto q41 = analyse(QuantFormat::Q4_1, w, 2, 256, 2);
    EXPECT_DOUBLE_EQ(q41.first.bitsPerWeight, 5.0);
    EXPECT_DOUBLE_EQ(q41.second.metadataBitsPerWeight, 1.0);
}

} // namespace
} // namespace ql
