#pragma once
// Quantizing with an importance vector (one weight per column, from an imatrix file): the
// K-quants and IQ4_NL (kquant_encode.h) and Q4_0, Q4_1, Q5_0, Q5_1
// (ggml_legacy_importance.h), whose ggml encoders take llama.cpp's quant_weights. Rows go
// over threads; each row's bytes do not depend on the others.
#include "engine/quant/quantize.h"
#include "engine/quant/simd_level.h"

#include <span>
#include <string>

namespace ql {

// Formats whose encoder uses an importance vector here.
bool takesImportance(QuantFormat format);

// ggml's encoder with quant_weights for a storage type (kquant_encode.h,
// ggml_legacy_importance.h): one row of n values with its n weights; null when ggml has none.
using ImportanceRowEncoder = void (*)(const float*, std::byte*, int64_t, const float*);
ImportanceRowEncoder importanceRowEncoder(DType storage);

// Throws ql::Error naming the tensor and the source file when the vector does not hold one
// finite, non-negative weight per column of each of the tensor's `matrices` (a MoE expert
// tensor has one vector per expert, as llama-imatrix writes them).
void requireImportance(std::span<const float> importance, int64_t cols, int64_t matrices,
                       const std::string& tensor, const std::string& source);

// Which matrix of a stacked tensor a row of `src` belongs to: rows [firstRow, firstRow +
// rows) of a tensor whose matrices have rowsPerMatrix rows each (0: one matrix). Row r
// takes importance vector (firstRow + r) / rowsPerMatrix, as llama-quantize passes each
// expert its own slice.
struct ImportanceRows {
    int64_t firstRow = 0;
    int64_t rowsPerMatrix = 0;
};

// The importance vector row r of `src` takes: (layout.firstRow + r) / layout.rowsPerMatrix,
// or 0 when the tensor is one matrix.
int64_t importanceVectorOf(int64_t r, ImportanceRows layout);

// Throws ql::Error when a row of `src` would take a vector the importance does not hold
// (rows [layout.firstRow, layout.firstRow + rows) of a stack of layout.rowsPerMatrix-row
// matrices, importance.size() / cols vectors).
void requireImportanceRows(std::span<const float> importance, int64_t rows, int64_t cols,
                           ImportanceRows layout);

// `format` takes importance and cols is a whole number of its blocks; importance has been
// checked. Fills out (resized) with the same bytes as the scalar encoder row by row; with
// `lanes` above Scalar the searches run in vector lanes (quantizeRowInLanes, the CPU
// backend's path), which write those bytes too.
void quantizeWithImportance(QuantFormat format, std::span<const float> src, int64_t rows,
                            int64_t cols, std::span<const float> importance, QuantizedTensor& out,
                            int threads, ImportanceRows layout = {},
                            SimdLevel lanes = SimdLevel::Scalar);

} // namespace ql
