#include "engine/quant/outliers.h"

#include <algorithm>
#include <cmath>

namespace ql {
namespace {

std::vector<OutlierLocation> topLocations(const std::vector<int64_t>& k3,
                                          const std::vector<int64_t>& k6) {
    std::vector<OutlierLocation> all;
    for (size_t i = 0; i < k3.size(); ++i)
        if (k3[i] > 0)
            all.push_back({int64_t(i), k3[i], k6[i]});
    const auto before = [](const OutlierLocation& a, const OutlierLocation& b) {
        if (a.beyondK6 != b.beyondK6)
            return a.beyondK6 > b.beyondK6;
        if (a.beyondK3 != b.beyondK3)
            return a.beyondK3 > b.beyondK3;
        return a.index < b.index;
    };
    const size_t n = std::min(all.size(), kOutlierTopCount);
    std::partial_sort(all.begin(), all.begin() + ptrdiff_t(n), all.end(), before);
    all.resize(n);
    return all;
}

int64_t nonZero(const std::vector<int64_t>& counts) {
    return std::count_if(counts.begin(), counts.end(), [](int64_t c) { return c > 0; });
}

} // namespace

void WeightMoments::add(std::span<const float> values) {
    for (float v : values) {
        m_sum += double(v);
        m_sumSquares += double(v) * double(v);
    }
    m_count += int64_t(values.size());
}

void WeightMoments::addSums(double sum, double sumSquares, int64_t count) {
    m_sum += sum;
    m_sumSquares += sumSquares;
    m_count += count;
}

double WeightMoments::mean() const {
    return m_count > 0 ? m_sum / double(m_count) : 0.0;
}

double WeightMoments::sigma() const {
    if (m_count == 0)
        return 0.0;
    const double m = mean();
    // Rounding can push a constant tensor's variance a hair below zero.
    return std::sqrt(std::max(0.0, m_sumSquares / double(m_count) - m * m));
}

OutlierCounter::OutlierCounter(int64_t rows, int64_t cols, double mean, double sigma)
    : m_rows(rows)
    , m_cols(cols)
    , m_mean(mean)
    , m_k3(kOutlierK3 * sigma)
    , m_k6(kOutlierK6 * sigma)
    , m_rowK3(size_t(rows))
    , m_rowK6(size_t(rows))
    , m_colK3(size_t(cols))
    , m_colK6(size_t(cols)) {}

void OutlierCounter::addRows(int64_t rowBegin, std::span<const float> values) {
    const int64_t n = int64_t(values.size()) / m_cols;
    ColumnCounts columns{std::move(m_colK3), std::move(m_colK6)};
    for (int64_t r = 0; r < n; ++r)
        addRow(rowBegin + r, values.data() + r * m_cols, columns);
    m_colK3 = std::move(columns.k3);
    m_colK6 = std::move(columns.k6);
}

OutlierCounter::ColumnCounts OutlierCounter::emptyColumnCounts() const {
    return {std::vector<int64_t>(size_t(m_cols)), std::vector<int64_t>(size_t(m_cols))};
}

void OutlierCounter::addRow(int64_t row, const float* w, ColumnCounts& columns) {
    int64_t k3 = 0, k6 = 0;
    for (int64_t c = 0; c < m_cols; ++c) {
        const double d = std::fabs(double(w[c]) - m_mean);
        const int64_t beyond3 = d > m_k3 ? 1 : 0, beyond6 = d > m_k6 ? 1 : 0;
        k3 += beyond3;
        k6 += beyond6;
        columns.k3[size_t(c)] += beyond3;
        columns.k6[size_t(c)] += beyond6;
    }
    m_rowK3[size_t(row)] += k3;
    m_rowK6[size_t(row)] += k6;
}

void OutlierCounter::addRowCounts(int64_t row, int64_t k3, int64_t k6) {
    m_rowK3[size_t(row)] += k3;
    m_rowK6[size_t(row)] += k6;
}

void OutlierCounter::mergeColumns(const ColumnCounts& columns) {
    for (size_t c = 0; c < m_colK3.size(); ++c) {
        m_colK3[c] += columns.k3[c];
        m_colK6[c] += columns.k6[c];
    }
}

OutlierSummary OutlierCounter::finish() const {
    OutlierSummary s;
    s.weights = m_rows * m_cols;
    for (size_t r = 0; r < m_rowK3.size(); ++r) {
        s.beyondK3 += m_rowK3[r];
        s.beyondK6 += m_rowK6[r];
    }
    s.rowsWithK6 = nonZero(m_rowK6);
    s.colsWithK6 = nonZero(m_colK6);
    s.topRows = topLocations(m_rowK3, m_rowK6);
    s.topCols = topLocations(m_colK3, m_colK6);
    return s;
}

} // namespace ql
