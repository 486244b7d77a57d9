#pragma once
// The quantize job's first pass over whole rows: the sums behind the tensor's mean and
// sigma, and the NaN/Inf check, on threads.
//
// Each row is summed alone, in four interleaved double lanes (element j goes to lane j % 4,
// lanes combined as (l0 + l1) + (l2 + l3), then the tail), and the row sums are added to
// the moments in row order. The result depends only on the tensor: bit-identical for any
// thread count and any split into chunks of whole rows.
#include "engine/quant/outliers.h"

#include <cstdint>
#include <span>
#include <string>

namespace ql {

// rows holds whole rows of cols values, the first of them row firstRow of the tensor.
// Throws ql::Error naming the tensor and the row-major index (firstRow * cols + j) of the
// first NaN or Inf, whatever the thread count.
void addRowMoments(std::span<const float> rows, int64_t cols, int64_t firstRow, int threads,
                   const std::string& tensorName, WeightMoments& moments);

} // namespace ql
