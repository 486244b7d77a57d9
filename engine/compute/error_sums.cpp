#include "engine/compute/backend.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace ql {

ErrorSums& ErrorSums::operator+=(const ErrorSums& o) {
    sumW2 += o.sumW2;
    sumQ2 += o.sumQ2;
    sumWQ += o.sumWQ;
    sumE2 += o.sumE2;
    maxAbsError = std::max(maxAbsError, o.maxAbsError);
    return *this;
}

ErrorSums errorSumsOnHost(std::span<const float> original, const QuantizedTensor& q) {
    ErrorSums s;
    std::vector<float> row(size_t(q.cols));
    for (int64_t r = 0; r < q.rows; ++r) {
        q.dequantizeRow(r, row.data());
        const float* w = original.data() + r * q.cols;
        for (int64_t j = 0; j < q.cols; ++j) {
            const double wv = w[j], qv = row[size_t(j)], e = qv - wv;
            s.sumW2 += wv * wv;
            s.sumQ2 += qv * qv;
            s.sumWQ += wv * qv;
            s.sumE2 += e * e;
            s.maxAbsError = std::max(s.maxAbsError, std::fabs(e));
        }
    }
    return s;
}

ErrorSums ComputeBackend::quantizeAndMeasure(QuantFormat format, std::span<const float> src,
                                             int64_t rows, int64_t cols, QuantizedTensor& out) {
    quantize(format, src, rows, cols, out);
    return errorSumsOnHost(src, out);
}

} // namespace ql
