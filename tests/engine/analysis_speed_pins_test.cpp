// Pins TensorErrorAnalyzer to a plain element-by-element computation of its documented
// definitions (error_histogram.h, outliers.h, metrics.h), on tensors built to put weights
// and errors on, and one or a few ulps beside, every bin edge and outlier threshold, so a
// faster analysis cannot move a single weight into a neighbouring bin or change a sum.
#include "engine/quant/metrics.h"

#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <random>

namespace ql {
namespace {

// The documented edges, written out again: errors 10^(-6 + i/4), weights -8 + i/4.
std::vector<double> errorEdges() {
    std::vector<double> e;
    for (int i = 0; i <= 28; ++i)
        e.push_back(std::pow(10.0, -6.0 + i / 4.0));
    return e;
}

std::vector<double> weightEdges() {
    std::vector<double> e;
    for (int i = 0; i <= 64; ++i)
        e.push_back(-8.0 + 0.25 * i);
    return e;
}

// A lower edge belongs to the bin above it: the bin is the number of edges at or below x.
int binByScan(const std::vector<double>& edges, double x) {
    int b = 0;
    for (double e : edges)
        b += x >= e ? 1 : 0;
    return b;
}

struct Expected {
    std::vector<int64_t> errorHistogram = std::vector<int64_t>(30);
    std::vector<int64_t> weightHistogram = std::vector<int64_t>(66);
    std::vector<OutlierLocation> rows, cols; // every row / column, counts at k = 3 and 6
    double w2 = 0, q2 = 0, wq = 0, e2 = 0, maxAbs = 0;
};

std::vector<OutlierLocation> top(std::vector<OutlierLocation> all) {
    std::erase_if(all, [](const OutlierLocation& l) { return l.beyondK3 == 0; });
    std::sort(all.begin(), all.end(), [](const OutlierLocation& a, const OutlierLocation& b) {
        if (a.beyondK6 != b.beyondK6)
            return a.beyondK6 > b.beyondK6;
        if (a.beyondK3 != b.beyondK3)
            return a.beyondK3 > b.beyondK3;
        return a.index < b.index;
    });
    all.resize(std::min(all.size(), kOutlierTopCount));
    return all;
}

// Every weight in order; error sums per block of analysisBlockRows rows, blocks added in
// order (the analyzer's documented summation order).
Expected expectedFor(const std::vector<float>& w, const std::vector<float>& q, int64_t rows,
                     int64_t cols, double mean, double sigma) {
    Expected x;
    for (int64_t i = 0; i < rows; ++i)
        x.rows.push_back({i, 0, 0});
    for (int64_t j = 0; j < cols; ++j)
        x.cols.push_back({j, 0, 0});
    const auto errEdges = errorEdges(), wEdges = weightEdges();
    const int64_t blockRows = analysisBlockRows(cols);
    for (int64_t b0 = 0; b0 < rows; b0 += blockRows) {
        double w2 = 0, q2 = 0, wq = 0, e2 = 0;
        for (int64_t r = b0; r < std::min(rows, b0 + blockRows); ++r)
            for (int64_t c = 0; c < cols; ++c) {
                const double wv = w[size_t(r * cols + c)], qv = q[size_t(r * cols + c)];
                const double e = qv - wv;
                w2 += wv * wv;
                q2 += qv * qv;
                wq += wv * qv;
                e2 += e * e;
                x.maxAbs = std::max(x.maxAbs, std::fabs(e));
                ++x.errorHistogram[size_t(binByScan(errEdges, std::fabs(e) / sigma))];
                ++x.weightHistogram[size_t(binByScan(wEdges, (wv - mean) / sigma))];
                const double d = std::fabs(wv - mean);
                for (OutlierLocation* l : {&x.rows[size_t(r)], &x.cols[size_t(c)]}) {
                    l->beyondK3 += d > 3.0 * sigma ? 1 : 0;
                    l->beyondK6 += d > 6.0 * sigma ? 1 : 0;
                }
            }
        x.w2 += w2;
        x.q2 += q2;
        x.wq += wq;
        x.e2 += e2;
    }
    return x;
}

void expectAnalysisIs(const Expected& x, const ErrorMetrics& m, const TensorAnalysis& a,
                      int64_t rows, int64_t cols, const std::string& where) {
    EXPECT_EQ(a.errorHistogram, x.errorHistogram) << where;
    EXPECT_EQ(a.weightHistogram, x.weightHistogram) << where;
    EXPECT_EQ(m.sumSquaredWeight, x.w2) << where;
    EXPECT_EQ(m.sumSquaredError, x.e2) << where;
    EXPECT_EQ(m.maxAbsError, x.maxAbs) << where;
    EXPECT_EQ(m.rmse, std::sqrt(x.e2 / double(rows * cols))) << where;
    EXPECT_EQ(m.cosine, x.wq / std::sqrt(x.w2 * x.q2)) << where;
    EXPECT_EQ(m.snrDb, 10.0 * std::log10(x.w2 / x.e2)) << where;
    int64_t k3 = 0, k6 = 0, rowsK6 = 0, colsK6 = 0;
    for (const auto& l : x.rows) {
        k3 += l.beyondK3;
        k6 += l.beyondK6;
        rowsK6 += l.beyondK6 > 0 ? 1 : 0;
    }
    for (const auto& l : x.cols)
        colsK6 += l.beyondK6 > 0 ? 1 : 0;
    EXPECT_EQ(a.outliers.beyondK3, k3) << where;
    EXPECT_EQ(a.outliers.beyondK6, k6) << where;
    EXPECT_EQ(a.outliers.rowsWithK6, rowsK6) << where;
    EXPECT_EQ(a.outliers.colsWithK6, colsK6) << where;
    EXPECT_EQ(a.outliers.topRows, top(x.rows)) << where;
    EXPECT_EQ(a.outliers.topCols, top(x.cols)) << where;
}

std::pair<ErrorMetrics, TensorAnalysis> analyse(const std::vector<float>& w,
                                                const QuantizedTensor& whole,
                                                const WeightMoments& moments, int64_t step,
                                                int threads) {
    const int64_t rows = whole.rows, cols = whole.cols;
    TensorErrorAnalyzer analyzer(rows, cols, moments, threads);
    const std::vector<float> q = whole.dequantize();
    for (int64_t r = 0; r < rows; r += step) {
        const int64_t n = std::min(step, rows - r);
        const auto chunk = std::span(q).subspan(size_t(r * cols), size_t(n * cols));
        QuantizedTensor part; // f16 of an f16 value is itself: the same codes as `whole`
        quantizeReference(whole.format, chunk, n, cols, part);
        analyzer.add(r, std::span(w).subspan(size_t(r * cols), size_t(n * cols)), part);
    }
    return {analyzer.metrics(whole.format), analyzer.analysis(whole.format)};
}

// Weights (w) and f16-exact dequantized values (q) that sit on and around every error
// edge (|q - w| = edge * sigma), every weight edge (w = mean + edge * sigma) and both
// outlier thresholds, plus zeros and values beyond both histograms' ranges.
struct Probes {
    std::vector<float> w, q;

    void add(float wv, float qv) {
        w.push_back(wv);
        q.push_back(qv);
    }
    void around(double target, float qv, int ulps) {
        const float c = float(target);
        float up = c, down = c;
        add(c, qv);
        for (int i = 0; i < ulps; ++i) {
            up = std::nextafter(up, std::numeric_limits<float>::infinity());
            down = std::nextafter(down, -std::numeric_limits<float>::infinity());
            add(up, qv);
            add(down, qv);
        }
    }
};

Probes edgeProbes(double mean, double sigma) {
    Probes p;
    const float qs[] = {0.0f, 0.5f, -0.25f, 0.015625f, 3.0f};
    for (double e : errorEdges())
        for (float qv : qs) {
            p.around(double(qv) + e * sigma, qv, 3);
            p.around(double(qv) - e * sigma, qv, 3);
        }
    for (double z : weightEdges())
        p.around(mean + z * sigma, 0.5f, 3);
    for (double k : {3.0, 6.0}) {
        p.around(mean + k * sigma, 0.0f, 4);
        p.around(mean - k * sigma, 0.0f, 4);
    }
    for (int i = 0; i < 40; ++i)
        p.add(0.0f, 0.0f);                 // exact zeros: error bin 0
    p.add(float(mean + 20 * sigma), 0.0f); // beyond +8 sigma
    p.add(float(mean - 20 * sigma), 0.0f); // beyond -8 sigma
    p.add(float(50 * sigma), 0.0f);        // error beyond 10 sigma
    p.add(0.0f, std::ldexp(1.0f, -24));    // a tiny error (f16 subnormal)
    p.add(std::ldexp(1.0f, -140), 0.0f);   // a subnormal weight
    return p;
}

// Mean and sigma exactly as given: one "weight" with these sums.
WeightMoments momentsOf(double mean, double sigma) {
    WeightMoments m;
    m.addSums(mean, mean * mean + sigma * sigma, 1);
    return m;
}

void checkProbes(double mean, double sigma) {
    const WeightMoments moments = momentsOf(mean, sigma);
    Probes p = edgeProbes(moments.mean(), moments.sigma());
    const int64_t cols = 203; // not a multiple of any vector width
    const int64_t rows = int64_t(p.w.size() + size_t(cols) - 1) / cols;
    while (int64_t(p.w.size()) < rows * cols)
        p.add(0.01f, 0.0f);
    QuantizedTensor q;
    quantizeReference(QuantFormat::F16, p.q, rows, cols, q);
    ASSERT_EQ(q.dequantize(), p.q) << "the probes' dequantized values must be f16-exact";
    const Expected x = expectedFor(p.w, p.q, rows, cols, moments.mean(), moments.sigma());
    for (int threads : {1, 3})
        for (int64_t step : {rows, int64_t(1), int64_t(4)}) {
            const auto [m, a] = analyse(p.w, q, moments, step, threads);
            expectAnalysisIs(x, m, a, rows, cols,
                             "mean " + std::to_string(mean) + ", " + std::to_string(threads) +
                                 " threads, step " + std::to_string(step));
        }
}

TEST(AnalysisPins, BinsOnAndBesideEveryEdgeWithUnitSigma) {
    checkProbes(0.0, 1.0); // every weight edge and the 1 and 10 sigma error edges exact
}

TEST(AnalysisPins, BinsOnAndBesideEveryEdgeWithAnOddMeanAndSigma) {
    checkProbes(0.0123, 0.0371);
    checkProbes(-1.7, 3.3e-3);
}

TEST(AnalysisPins, PeakedTensorInBlocksAndChunksMatchesThePlainLoop) {
    const int64_t rows = 70, cols = 4096 + 37; // several blocks, a ragged row end
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<float> w(size_t(rows * cols));
    for (auto& v : w)
        v = 0.02f * u(rng) * u(rng) * 3.0f;
    w[123] = 0.9f; // far outliers
    w[5000] = -0.7f;
    WeightMoments moments;
    moments.add(w);
    QuantizedTensor q;
    quantizeReference(QuantFormat::Int4G32, w, rows, cols, q);
    const Expected x = expectedFor(w, q.dequantize(), rows, cols, moments.mean(), moments.sigma());
    for (int threads : {1, 2})
        for (int64_t step : {rows, int64_t(9)}) {
            TensorErrorAnalyzer analyzer(rows, cols, moments, threads);
            for (int64_t r = 0; r < rows; r += step) {
                const int64_t n = std::min(step, rows - r);
                const auto chunk = std::span(w).subspan(size_t(r * cols), size_t(n * cols));
                QuantizedTensor part;
                quantizeReference(QuantFormat::Int4G32, chunk, n, cols, part);
                analyzer.add(r, chunk, part);
            }
            expectAnalysisIs(x, analyzer.metrics(q.format), analyzer.analysis(q.format), rows, cols,
                             std::to_string(threads) + " threads, step " + std::to_string(step));
        }
}

} // namespace
} // namespace ql
