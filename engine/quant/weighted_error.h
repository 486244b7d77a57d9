#pragma once
// The importance-weighted RMSE of a tensor quantized with an imatrix:
// sqrt(sum_rows sum_j w_j (q_j - x_j)^2 / sum_rows sum_j w_j), each row weighted by the
// vector of the matrix it belongs to (imatrix_quantize.h): the weighted mean of the
// squared error, the error the importance-weighted encoders minimise (their plain RMSE may
// rise). golden/quant's manifest, written with llama.cpp's quantizer, gives weighted_rmse
// = sqrt(sum_i w_i e_i^2 / (rows * sum_i w_i)) with i over all rows x cols, i.e. this
// figure divided by sqrt(rows) (its row count is divided out twice); the tests pin ours
// to it through that relation.
#include "engine/quant/imatrix_quantize.h"
#include "engine/quant/quantize.h"

#include <optional>
#include <span>

namespace ql {

class WeightedErrorAccumulator {
public:
    // Rows [layout.firstRow, + q.rows) of the tensor: original holds q.rows * q.cols
    // values, importance one vector of q.cols weights per matrix. Sums in double, in
    // element order, so the figure does not depend on the chunking.
    void add(std::span<const float> original, const QuantizedTensor& q,
             std::span<const float> importance, ImportanceRows layout);
    // nullopt when the weights sum to 0 (nothing to weigh).
    std::optional<double> rmse() const;

private:
    double m_weightedSquares = 0, m_weights = 0;
};

} // namespace ql
