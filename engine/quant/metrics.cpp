#include "engine/quant/metrics.h"

#include "engine/core/parallel.h"
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
        m_sumW2 += wv * wv;
        m_sumQ2 += qv * qv;
        m_sumWQ += wv * qv;
        m_sumE2 += e * e;
        m_maxAbs = std::max(m_maxAbs, std::fabs(e));
    }
    m_count += double(cols);
}

void ErrorAccumulator::merge(const ErrorAccumulator& o) {
    m_sumW2 += o.m_sumW2;
    m_sumQ2 += o.m_sumQ2;
    m_sumWQ += o.m_sumWQ;
    m_sumE2 += o.m_sumE2;
    m_maxAbs = std::max(m_maxAbs, o.m_maxAbs);
    m_count += o.m_count;
}

ErrorMetrics ErrorAccumulator::finish(QuantFormat format, int64_t rows, int64_t cols) const {
    ErrorMetrics m;
    m.rmse = m_count > 0 ? std::sqrt(m_sumE2 / m_count) : 0.0;
    m.relFrobenius = m_sumW2 > 0 ? std::sqrt(m_sumE2 / m_sumW2) : 0.0;
    m.snrDb = m_sumE2 > 0 ? 10.0 * std::log10(m_sumW2 / m_sumE2)
                          : std::numeric_limits<double>::infinity();
    if (m_sumW2 > 0 && m_sumQ2 > 0)
        m.cosine = m_sumWQ / std::sqrt(m_sumW2 * m_sumQ2);
    else
        m.cosine = (m_sumW2 == 0 && m_sumQ2 == 0) ? 1.0 : 0.0;
    m.maxAbsError = m_maxAbs;
    m.bytes = quantizedBytes(format, rows, cols);
    const double n = double(rows) * double(cols);
    m.bitsPerWeight = n > 0 ? 8.0 * double(m.bytes) / n : 0.0;
    m.sumSquaredError = m_sumE2;
    m.sumSquaredWeight = m_sumW2;
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

struct TensorErrorAnalyzer::Partial {
    std::vector<int64_t> errorHistogram, weightHistogram;
    OutlierCounter::ColumnCounts columns;
};

TensorErrorAnalyzer::TensorErrorAnalyzer(int64_t rows, int64_t cols, const WeightMoments& moments,
                                         int threads)
    : m_rows(rows)
    , m_cols(cols)
    , m_mean(moments.mean())
    , m_sigma(moments.sigma())
    , m_errorScale(errorScaleFor(moments))
    , m_threads(std::max(1, threads))
    , m_blockRows(analysisBlockRows(cols))
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
    std::vector<Partial> partials;
    std::mutex partialsMutex;
    // Each thread takes whole segments, so every block's sums have one writer, in row order.
    parallelFor(int64_t(parts.size()), m_threads, 1, [&](int64_t begin, int64_t end) {
        Partial p{std::vector<int64_t>(m_errorHistogram.size()),
                  std::vector<int64_t>(m_weightHistogram.size()), m_outliers.emptyColumnCounts()};
        for (int64_t i = begin; i < end; ++i)
            addSegment(parts[size_t(i)], rowBegin, original, q, p);
        const std::lock_guard lock(partialsMutex);
        partials.push_back(std::move(p));
    });
    for (const Partial& p : partials)
        merge(p);
}

void TensorErrorAnalyzer::addSegment(const Segment& s, int64_t rowBegin,
                                     std::span<const float> original, const QuantizedTensor& q,
                                     Partial& partial) {
    std::vector<float> row(static_cast<size_t>(m_cols));
    ErrorAccumulator& error = m_blockErrors[size_t(s.block)];
    for (int64_t r = s.begin; r < s.end; ++r) {
        q.dequantizeRow(r - rowBegin, row.data());
        const float* w = original.data() + (r - rowBegin) * m_cols;
        error.addRow(w, row.data(), m_cols);
        binRow(w, row.data(), partial);
        m_outliers.addRow(r, w, partial.columns);
    }
}

void TensorErrorAnalyzer::binRow(const float* w, const float* q, Partial& partial) const {
    const std::vector<double>& errorEdges = errorHistogramScheme().edges;
    const std::vector<double>& weightEdges = weightHistogramScheme().edges;
    for (int64_t j = 0; j < m_cols; ++j) {
        const double e = std::fabs(double(q[j]) - double(w[j])) / m_errorScale;
        ++partial.errorHistogram[size_t(errorBinIn(errorEdges, e))];
        // A constant tensor (sigma 0) has every weight at z = 0.
        const double z = m_sigma > 0 ? (double(w[j]) - m_mean) / m_sigma : 0.0;
        ++partial.weightHistogram[size_t(weightBinIn(weightEdges, z))];
    }
}

void TensorErrorAnalyzer::merge(const Partial& p) {
    for (size_t i = 0; i < m_errorHistogram.size(); ++i)
        m_errorHistogram[i] += p.errorHistogram[i];
    for (size_t i = 0; i < m_weightHistogram.size(); ++i)
        m_weightHistogram[i] += p.weightHistogram[i];
    m_outliers.mergeColumns(p.columns);
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
