#include "engine/quant/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace ql {

void ErrorAccumulator::add(std::span<const float> original, const QuantizedTensor& q) {
    std::vector<float> row(size_t(q.cols));
    for (int64_t r = 0; r < q.rows; ++r) {
        q.dequantizeRow(r, row.data());
        const float* w = original.data() + r * q.cols;
        for (int64_t j = 0; j < q.cols; ++j) {
            const double wv = w[j], qv = row[size_t(j)], e = qv - wv;
            m_sumW2 += wv * wv;
            m_sumQ2 += qv * qv;
            m_sumWQ += wv * qv;
            m_sumE2 += e * e;
            m_maxAbs = std::max(m_maxAbs, std::fabs(e));
        }
    }
    m_count += double(q.rows) * double(q.cols);
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
    return m;
}

ErrorMetrics measureError(std::span<const float> original, const QuantizedTensor& q) {
    ErrorAccumulator acc;
    acc.add(original, q);
    return acc.finish(q.format, q.rows, q.cols);
}

} // namespace ql
