#include "engine/quant/metrics.h"

#include "engine/quant/error_histogram.h"

#include <algorithm>
#include <cmath>
#include <limits>
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

TensorErrorAnalyzer::TensorErrorAnalyzer(int64_t rows, int64_t cols, const WeightMoments& moments)
    : m_rows(rows)
    , m_cols(cols)
    , m_mean(moments.mean())
    , m_sigma(moments.sigma())
    , m_errorScale(errorScaleFor(moments))
    , m_outliers(rows, cols, moments.mean(), moments.sigma())
    , m_errorHistogram(size_t(errorHistogramScheme().bins()))
    , m_weightHistogram(size_t(weightHistogramScheme().bins())) {}

void TensorErrorAnalyzer::add(int64_t rowBegin, std::span<const float> original,
                              const QuantizedTensor& q) {
    std::vector<float> row(size_t(q.cols));
    for (int64_t r = 0; r < q.rows; ++r) {
        q.dequantizeRow(r, row.data());
        const float* w = original.data() + r * q.cols;
        m_error.addRow(w, row.data(), q.cols);
        binRow(w, row.data());
    }
    m_outliers.addRows(rowBegin, original.first(size_t(q.rows * q.cols)));
}

void TensorErrorAnalyzer::binRow(const float* w, const float* q) {
    for (int64_t j = 0; j < m_cols; ++j) {
        const double e = std::fabs(double(q[j]) - double(w[j])) / m_errorScale;
        ++m_errorHistogram[size_t(errorBinOf(e))];
        // A constant tensor (sigma 0) has every weight at z = 0.
        const double z = m_sigma > 0 ? (double(w[j]) - m_mean) / m_sigma : 0.0;
        ++m_weightHistogram[size_t(weightBinOf(z))];
    }
}

ErrorMetrics TensorErrorAnalyzer::metrics(QuantFormat format) const {
    return m_error.finish(format, m_rows, m_cols);
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
