#pragma once
// The per-row work of TensorErrorAnalyzer (metrics.h) in one pass over a row: the error
// sums in element order, the largest error, both histogram bins and the outlier counts of
// every weight. Two paths with identical results: the reference (each weight through the
// definitions: errorBinIn, weightBinIn, |w - mean| > k sigma) and, on CPUs with AVX-512,
// a vector path that compares each weight with thresholds worked out once per tensor
// (analysis_bins.h) and falls back to the reference for any weight it cannot place
// exactly (NaN, a bin guess that missed).
#include "engine/quant/analysis_bins.h"
#include "engine/quant/outliers.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace ql {

// The running sums of ErrorAccumulator; each row adds to them in element order.
struct RunningErrorSums {
    double w2 = 0, q2 = 0, wq = 0, e2 = 0, maxAbs = 0, count = 0;
};

// One thread's histogram and column counts. Each histogram is kept in kCopies
// interleaved copies (weight j counts in copy j % kCopies) so that runs of weights in the
// same bin do not wait on each other's increments; counts() folds them.
struct AnalysisTally {
    static constexpr int kCopies = 4;
    static constexpr int kErrorStride = 32;  // >= errorHistogramScheme().bins()
    static constexpr int kWeightStride = 72; // >= weightHistogramScheme().bins()
    std::vector<int64_t> errorCopies = std::vector<int64_t>(kCopies * kErrorStride);
    std::vector<int64_t> weightCopies = std::vector<int64_t>(kCopies * kWeightStride);
    OutlierCounter::ColumnCounts columns;

    // Adds the folded counts to errors (30 bins) and weights (66 bins).
    void addCountsTo(std::vector<int64_t>& errors, std::vector<int64_t>& weights) const;
};

struct RowOutliers {
    int64_t k3 = 0, k6 = 0;
};

// Analyses one row of cols weights w against their dequantized values q, adding to sums
// and tally (whose columns hold cols counts); returns the row's outlier counts.
RowOutliers analyseRowReference(const AnalysisBins& bins, const float* w, const float* q,
                                int64_t cols, RunningErrorSums& sums, AnalysisTally& tally);
// The fastest path this CPU runs; the same results as the reference, bit for bit.
RowOutliers analyseRow(const AnalysisBins& bins, const float* w, const float* q, int64_t cols,
                       RunningErrorSums& sums, AnalysisTally& tally);
// The AVX-512 path itself (for tests); only call it where analysisHasAvx512().
bool analysisHasAvx512();
RowOutliers analyseRowAvx512(const AnalysisBins& bins, const float* w, const float* q, int64_t cols,
                             RunningErrorSums& sums, AnalysisTally& tally);

namespace analysis_detail {

// One weight through the definitions, as the analysis has always binned it: the reference
// path, the vector path's row ends, and its fallback.
inline int errorBinOfWeight(const AnalysisBins& b, float w, float q) {
    return errorBinIn(b.errorEdges, std::fabs(double(q) - double(w)) / b.errorScale);
}

inline int weightBinOfWeight(const AnalysisBins& b, float w) {
    // A constant tensor (sigma 0) has every weight at z = 0.
    const double z = b.sigma > 0 ? (double(w) - b.mean) / b.sigma : 0.0;
    return weightBinIn(b.weightEdges, z);
}

// Everything one weight (in column col) adds, except sums.count (added per row).
inline void analyseWeight(const AnalysisBins& b, float w, float q, int64_t col, RunningErrorSums& s,
                          AnalysisTally& tally, RowOutliers& row) {
    const double wv = w, qv = q, e = qv - wv;
    s.w2 += wv * wv;
    s.q2 += qv * qv;
    s.wq += wv * qv;
    s.e2 += e * e;
    s.maxAbs = std::max(s.maxAbs, std::fabs(e));
    ++tally.errorCopies[size_t(errorBinOfWeight(b, w, q))];
    ++tally.weightCopies[size_t(weightBinOfWeight(b, w))];
    const double d = std::fabs(wv - b.mean);
    const int64_t beyond3 = d > b.k3 ? 1 : 0, beyond6 = d > b.k6 ? 1 : 0;
    row.k3 += beyond3;
    row.k6 += beyond6;
    tally.columns.k3[size_t(col)] += beyond3;
    tally.columns.k6[size_t(col)] += beyond6;
}

} // namespace analysis_detail

} // namespace ql
