#pragma once
// Per-tensor error of a quantized tensor against its float original.
#include "engine/quant/quantize.h"

#include <cstdint>
#include <span>

namespace ql {

struct ErrorMetrics {
    double rmse = 0;          // sqrt(mean((q - w)^2))
    double relFrobenius = 0;  // ||q - w||_F / ||w||_F (0 when w is all zeros)
    double snrDb = 0;         // 10 log10(sum w^2 / sum (q - w)^2); +inf when exact
    double cosine = 0;        // <w, q> / (|w| |q|); 1 when both are zero
    double maxAbsError = 0;   // max |q - w|
    uint64_t bytes = 0;       // storage of the quantized tensor: codes + scales
    double bitsPerWeight = 0; // 8 * bytes / weights
};

// Accumulates the error of a tensor quantized in row chunks. Sums are in double so the
// figures do not depend on how the rows were chunked.
class ErrorAccumulator {
public:
    // original holds q.rows * q.cols floats: the rows that q quantized.
    void add(std::span<const float> original, const QuantizedTensor& q);
    ErrorMetrics finish(QuantFormat format, int64_t rows, int64_t cols) const;

private:
    double m_sumW2 = 0, m_sumQ2 = 0, m_sumWQ = 0, m_sumE2 = 0, m_maxAbs = 0;
    double m_count = 0;
};

ErrorMetrics measureError(std::span<const float> original, const QuantizedTensor& q);

} // namespace ql
