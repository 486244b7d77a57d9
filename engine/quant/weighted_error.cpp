#include "engine/quant/weighted_error.h"

#include <cmath>
#include <vector>

namespace ql {

void WeightedErrorAccumulator::add(std::span<const float> original, const QuantizedTensor& q,
                                   std::span<const float> importance, ImportanceRows layout) {
    std::vector<float> row(size_t(q.cols));
    for (int64_t r = 0; r < q.rows; ++r) {
        q.dequantizeRow(r, row.data());
        const float* w = importance.data() + importanceVectorOf(r, layout) * q.cols;
        const float* x = original.data() + r * q.cols;
        for (int64_t j = 0; j < q.cols; ++j) {
            const double e = double(row[size_t(j)]) - double(x[j]);
            m_weightedSquares += double(w[j]) * e * e;
            m_weights += double(w[j]);
        }
    }
}

std::optional<double> WeightedErrorAccumulator::rmse() const {
    if (!(m_weights > 0))
        return std::nullopt;
    return std::sqrt(m_weightedSquares / m_weights);
}

} // namespace ql
