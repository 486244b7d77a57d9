#pragma once
// Outlier weights: how many there are and which rows and columns hold them.
//
// Definition: a weight is an outlier at k when |w - mean| > k * sigma, with mean and
// sigma the population mean and standard deviation of the whole tensor (so for LLM
// weights, whose mean is ~0, this is |w| > k sigma). Two thresholds: k = 3 (a Gaussian
// has 0.27 % beyond it, so a larger share means heavy tails) and k = 6 (the magnitude
// LLM.int8() treats as an outlier feature: such weights set absmax scales and cost
// every other weight of their group precision).
// Rows are output channels (ggml's ne[1]), columns are input features (ne[0]).
#include <cstdint>
#include <span>
#include <vector>

namespace ql {

inline constexpr double kOutlierK3 = 3.0;
inline constexpr double kOutlierK6 = 6.0;
// How many rows and how many columns are kept, most outliers first.
inline constexpr size_t kOutlierTopCount = 8;

// Mean and standard deviation from double sums taken in element order, so the result
// does not depend on how the tensor was split into chunks.
class WeightMoments {
public:
    void add(std::span<const float> values);
    // Sums taken elsewhere (a row block of a parallel pass); the caller fixes the order.
    void addSums(double sum, double sumSquares, int64_t count);
    int64_t count() const { return m_count; }
    double mean() const;
    double sigma() const; // population standard deviation; 0 for a constant tensor

private:
    double m_sum = 0, m_sumSquares = 0;
    int64_t m_count = 0;
};

struct OutlierLocation {
    int64_t index = 0;    // row or column
    int64_t beyondK3 = 0; // outliers at k = 3 in it
    int64_t beyondK6 = 0; // outliers at k = 6 in it
    bool operator==(const OutlierLocation&) const = default;
};

struct OutlierSummary {
    int64_t weights = 0;
    int64_t beyondK3 = 0;
    int64_t beyondK6 = 0;
    int64_t rowsWithK6 = 0; // rows holding at least one 6-sigma outlier
    int64_t colsWithK6 = 0;
    // Up to kOutlierTopCount each, ordered by 6-sigma count, then 3-sigma count, then
    // index; rows or columns with no 3-sigma outlier are left out.
    std::vector<OutlierLocation> topRows;
    std::vector<OutlierLocation> topCols;

    double shareK3() const { return weights > 0 ? double(beyondK3) / double(weights) : 0.0; }
    double shareK6() const { return weights > 0 ? double(beyondK6) / double(weights) : 0.0; }
    bool operator==(const OutlierSummary&) const = default;
};

// Counts outliers of a rows x cols tensor fed in row chunks, in any chunking.
class OutlierCounter {
public:
    OutlierCounter(int64_t rows, int64_t cols, double mean, double sigma);
    // Rows [rowBegin, rowBegin + values.size() / cols).
    void addRows(int64_t rowBegin, std::span<const float> values);
    OutlierSummary finish() const;

    // For threads that each take whole rows: a row's own counts have one writer, the
    // column counts are gathered per thread and merged (integer sums: any order is exact).
    struct ColumnCounts {
        std::vector<int64_t> k3, k6;
    };
    ColumnCounts emptyColumnCounts() const;
    void addRow(int64_t row, const float* values, ColumnCounts& columns);
    void mergeColumns(const ColumnCounts& columns);
    // A row's counts taken elsewhere (analysis_row.h), with its columns' in a ColumnCounts.
    void addRowCounts(int64_t row, int64_t k3, int64_t k6);

private:
    int64_t m_rows, m_cols;
    double m_mean, m_k3, m_k6;
    std::vector<int64_t> m_rowK3, m_rowK6, m_colK3, m_colK6;
};

} // namespace ql
