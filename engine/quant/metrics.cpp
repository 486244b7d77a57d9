#include "engine/quant/metrics.h"

#include "engine/core/parallel.h"
#include "engine/quant/analysis_row.h"
#include "engine/quant/error_histogram.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <vector>

namespace ql {
namespace {

double errorScaleFor(const WeightMoments& m) {
    if (m.sigma() > 0)
        return m.sigma();
    const double rms = std::fabs(m.mean()); // constant tensor: its RMS is |mean|
    return rms > 0 ? rms : 1.0;
}

} // namespace

void ErrorAccumulator::add(std::span<const float> original, const QuantizedTensor& q) {
    std::vector<float> row(size_t(q.cols));
    for (int64_t r = 0; r < q.rows; ++r) {
        q.dequantizeRow(r, row.data());
        addRow(original.data() + r * q.cols, row.data(), q.cols);
    }
}

void ErrorAccumulator::addRow(const float* w, const float* q, int64_t cols) {
    for (int64_t j = 0; j < cols; ++j) {
        const double wv = w[j], qv = q[j], e = qv - wv;
        m_s.w2 += wv * wv;
        m_s.q2 += qv * qv;
        m_s.wq += wv * qv;
        m_s.e2 += e * e;
        m_s.maxAbs = std::max(m_s.maxAbs, std::fabs(e));
    }
    m_s.count += double(cols);
}

void ErrorAccumulator::merge(const ErrorAccumulator& other) {
    const RunningErrorSums& o = other.m_s;
    m_s.w2 += o.w2;
    m_s.q2 += o.q2;
    m_s.wq += o.wq;
    m_s.e2 += o.e2;
    m_s.maxAbs = std::max(m_s.maxAbs, o.maxAbs);
    m_s.count += o.count;
}

ErrorMetrics ErrorAccumulator::finish(QuantFormat format, int64_t rows, int64_t cols) const {
    const RunningErrorSums& s = m_s;
    ErrorMetrics m;
    m.rmse = s.count > 0 ? std::sqrt(s.e2 / s.count) : 0.0;
    m.relFrobenius = s.w2 > 0 ? std::sqrt(s.e2 / s.w2) : 0.0;
    m.snrDb = s.e2 > 0 ? 10.0 * std::log10(s.w2 / s.e2) : std::numeric_limits<double>::infinity();
    if (s.w2 > 0 && s.q2 > 0)
        m.cosine = s.wq / std::sqrt(s.w2 * s.q2);
    else
        m.cosine = (s.w2 == 0 && s.q2 == 0) ? 1.0 : 0.0;
    m.maxAbsError = s.maxAbs;
    m.bytes = quantizedBytes(format, rows, cols);
    const double n = double(rows) * double(cols);
    m.bitsPerWeight = n > 0 ? 8.0 * double(m.bytes) / n : 0.0;
    m.sumSquaredError = s.e2;
    m.sumSquaredWeight = s.w2;
    return m;
}

ErrorMetrics measureError(std::span<const float> original, const QuantizedTensor& q) {
    ErrorAccumulator acc;
    acc.add(original, q);
    return acc.finish(q.format, q.rows, q.cols);
}

int64_t analysisBlockRows(int64_t cols) {
    constexpr int64_t kBlockWeights = int64_t(1) << 16;
    return std::max<int64_t>(1, kBlockWeights / std::max<int64_t>(1, cols));
}

TensorErrorAnalyzer::TensorErrorAnalyzer(int64_t rows, int64_t cols, const WeightMoments& moments,
                                         int threads)
    : m_rows(rows)
    , m_cols(cols)
    , m_mean(moments.mean())
    , m_sigma(moments.sigma())
    , m_errorScale(errorScaleFor(moments))
    , m_threads(std::max(1, threads))
    , m_blockRows(analysisBlockRows(cols))
    , m_bins(analysisBins(moments.mean(), moments.sigma(), m_errorScale))
    , m_blockErrors(size_t((rows + m_blockRows - 1) / m_blockRows))
    , m_outliers(rows, cols, moments.mean(), moments.sigma())
    , m_errorHistogram(size_t(errorHistogramScheme().bins()))
    , m_weightHistogram(size_t(weightHistogramScheme().bins())) {}

std::vector<TensorErrorAnalyzer::Segment> TensorErrorAnalyzer::segments(int64_t rowBegin,
                                                                        int64_t rowCount) const {
    std::vector<Segment> out;
    for (int64_t r = rowBegin; r < rowBegin + rowCount;) {
        const int64_t block = r / m_blockRows;
        const int64_t end = std::min(rowBegin + rowCount, (block + 1) * m_blockRows);
        out.push_back({block, r, end});
        r = end;
    }
    return out;
}

void TensorErrorAnalyzer::add(int64_t rowBegin, std::span<const float> original,
                              const QuantizedTensor& q) {
    const std::vector<Segment> parts = segments(rowBegin, q.rows);
    std::vector<AnalysisTally> tallies;
    std::mutex talliesMutex;
    // Each thread takes whole segments, so every block's sums have one writer, in row order.
    parallelFor(int64_t(parts.size()), m_threads, 1, [&](int64_t begin, int64_t end) {
        AnalysisTally tally;
        tally.columns = m_outliers.emptyColumnCounts();
        std::vector<float> row(static_cast<size_t>(m_cols));
        for (int64_t i = begin; i < end; ++i)
            addSegment(parts[size_t(i)], rowBegin, original, q, row, tally);
        const std::lock_guard lock(talliesMutex);
        tallies.push_back(std::move(tally));
    });
    for (const AnalysisTally& t : tallies)
        merge(t);
}

void TensorErrorAnalyzer::addSegment(const Segment& s, int64_t rowBegin,
                                     std::span<const float> original, const QuantizedTensor& q,
                                     std::vector<float>& row, AnalysisTally& tally) {
    RunningErrorSums& error = m_blockErrors[size_t(s.block)].sums();
    for (int64_t r = s.begin; r < s.end; ++r) {
        q.dequantizeRow(r - rowBegin, row.data());
        const float* w = original.data() + (r - rowBegin) * m_cols;
        const RowOutliers outliers = analyseRow(m_bins, w, row.data(), m_cols, error, tally);
        m_outliers.addRowCounts(r, outliers.k3, outliers.k6);
    }
}

void TensorErrorAnalyzer::merge(const AnalysisTally& tally) {
    tally.addCountsTo(m_errorHistogram, m_weightHistogram);
    m_outliers.mergeColumns(tally.columns);
}

ErrorMetrics TensorErrorAnalyzer::metrics(QuantFormat format) const {
    ErrorAccumulator total;
    for (const ErrorAccumulator& block : m_blockErrors)
        total.merge(block);
    return total.finish(format, m_rows, m_cols);
}

TensorAnalysis TensorErrorAnalyzer::analysis(QuantFormat format) const {
    TensorAnalysis a;
    a.weightMean = m_mean;
    a.weightSigma = m_sigma;
    a.errorScale = m_errorScale;
    a.errorHistogram = m_errorHistogram;
    a.weightHistogram = m_weightHistogram;
    a.outliers = m_outliers.finish();
    a.codeBits = quantFormatInfo(format).bits;
    a.metadataBitsPerWeight = metrics(format).bitsPerWeight - double(a.codeBits);
    return a;
}

} // namespace ql
