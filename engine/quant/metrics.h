#pragma once
// Per-tensor error of a quantized tensor against its float original, and the error
// analysis beside it (histograms, outliers, what the bits are spent on).
#include "engine/quant/analysis_row.h"
#include "engine/quant/outliers.h"
#include "engine/quant/quantize.h"

#include <cstdint>
#include <span>
#include <vector>

namespace ql {

struct ErrorMetrics {
    double rmse = 0;          // sqrt(mean((q - w)^2))
    double relFrobenius = 0;  // ||q - w||_F / ||w||_F (0 when w is all zeros)
    double snrDb = 0;         // 10 log10(sum w^2 / sum (q - w)^2); +inf when exact
    double cosine = 0;        // <w, q> / (|w| |q|); 1 when both are zero
    double maxAbsError = 0;   // max |q - w|
    uint64_t bytes = 0;       // storage of the quantized tensor: codes + scales
    double bitsPerWeight = 0; // 8 * bytes / weights
    // The sums the figures come from; they add across tensors, so layers aggregate exactly.
    double sumSquaredError = 0;  // sum (q - w)^2
    double sumSquaredWeight = 0; // sum w^2
};

// Accumulates the error of a tensor quantized in row chunks. Sums are in double and in
// element order, so the figures do not depend on how the rows were chunked.
class ErrorAccumulator {
public:
    // original holds q.rows * q.cols floats: the rows that q quantized.
    void add(std::span<const float> original, const QuantizedTensor& q);
    void addRow(const float* original, const float* dequantized, int64_t cols);
    // Adds another accumulator's sums after this one's (callers merge in a fixed order).
    void merge(const ErrorAccumulator& other);
    ErrorMetrics finish(QuantFormat format, int64_t rows, int64_t cols) const;
    // The running sums, for row passes that add to them in element order (analysis_row.h).
    RunningErrorSums& sums() { return m_s; }

private:
    RunningErrorSums m_s;
};

ErrorMetrics measureError(std::span<const float> original, const QuantizedTensor& q);

// What the error looks like inside one tensor (see error_histogram.h for the bins and
// outliers.h for the outlier definition).
struct TensorAnalysis {
    double weightMean = 0;
    double weightSigma = 0;
    // The unit of the error histogram: sigma, or where sigma is 0 (a constant tensor)
    // the RMS of the weights, or 1 for an all-zero tensor.
    double errorScale = 0;
    std::vector<int64_t> errorHistogram;  // errorHistogramScheme() bins
    std::vector<int64_t> weightHistogram; // weightHistogramScheme() bins
    OutlierSummary outliers;
    // Effective bits per weight (ErrorMetrics::bitsPerWeight, from quantizedBytes) split
    // into the code width and what scales, zero points and super-block metadata add.
    int codeBits = 0;
    double metadataBitsPerWeight = 0;

    bool operator==(const TensorAnalysis&) const = default;
};

// Rows per block of the analysis: about 64 Ki weights, at least one row. Fixed by the
// tensor's width alone, so sums merge the same way whatever the threads and chunks.
int64_t analysisBlockRows(int64_t cols);

// Metrics and analysis of one tensor fed in row chunks, in any chunking, on any number of
// threads with bit-identical results: the error sums are taken per fixed block of rows
// (analysisBlockRows), each block in element order by one thread, and merged in block
// order; histograms and outlier counts are integers, exact in any order. It needs the
// tensor's moments first (a first pass over the weights), for sigma-relative bins.
class TensorErrorAnalyzer {
public:
    TensorErrorAnalyzer(int64_t rows, int64_t cols, const WeightMoments& moments, int threads = 1);
    // original holds the q.rows rows starting at rowBegin that q quantized; rows arrive in
    // order (each chunk after the one before).
    void add(int64_t rowBegin, std::span<const float> original, const QuantizedTensor& q);
    ErrorMetrics metrics(QuantFormat format) const;
    TensorAnalysis analysis(QuantFormat format) const;

private:
    struct Segment {
        int64_t block, begin, end; // rows [begin, end) of the tensor, inside one block
    };
    std::vector<Segment> segments(int64_t rowBegin, int64_t rowCount) const;
    void addSegment(const Segment& s, int64_t rowBegin, std::span<const float> original,
                    const QuantizedTensor& q, std::vector<float>& row, AnalysisTally& tally);
    void merge(const AnalysisTally& tally);

    int64_t m_rows, m_cols;
    double m_mean, m_sigma, m_errorScale;
    int m_threads;
    int64_t m_blockRows;
    AnalysisBins m_bins; // the thresholds each weight is binned and counted by
    std::vector<ErrorAccumulator> m_blockErrors; // one per block, merged in block order
    OutlierCounter m_outliers;
    std::vector<int64_t> m_errorHistogram, m_weightHistogram;
};

} // namespace ql
