#include "engine/quant/imatrix_quantize.h"

#include "engine/core/error.h"
#include "engine/core/parallel.h"
#include "engine/quant/ggml_legacy_importance.h"
#include "engine/quant/kquant_encode.h"

#include <cmath>

namespace ql {

ImportanceRowEncoder importanceRowEncoder(DType storage) {
    switch (storage) {
    case DType::Q2_K:
    case DType::Q3_K:
    case DType::Q4_K:
    case DType::Q5_K:
    case DType::Q6_K:
    case DType::IQ4_NL:
        return kquantRowEncoder(storage);
    case DType::Q4_0:
        return quantizeRowQ4_0Importance;
    case DType::Q4_1:
        return quantizeRowQ4_1Importance;
    case DType::Q5_0:
        return quantizeRowQ5_0Importance;
    case DType::Q5_1:
        return quantizeRowQ5_1Importance;
    default:
        return nullptr;
    }
}

bool takesImportance(QuantFormat format) {
    const auto& info = quantFormatInfo(format);
    // q4_k-lsq has Q4_K's storage but no importance-weighted search of its own.
    return info.kind == QuantKind::Block && info.bytesPerCode == 0 && info.method != kLsqMethod &&
           importanceRowEncoder(info.storage) != nullptr;
}

void requireImportance(std::span<const float> importance, int64_t cols, int64_t matrices,
                       const std::string& tensor, const std::string& source) {
    if (int64_t(importance.size()) != cols * matrices)
        throw Error(source + ": the importance vector of '" + tensor + "' has " +
                    std::to_string(importance.size()) + " values, but the tensor has " +
                    (matrices == 1
                         ? std::to_string(cols) + " columns; it needs one per column"
                         : std::to_string(matrices) + " matrices of " + std::to_string(cols) +
                               " columns; it needs " + std::to_string(cols * matrices) +
                               " (one per column of each matrix)"));
    for (size_t i = 0; i < importance.size(); ++i)
        if (!std::isfinite(importance[i]) || importance[i] < 0.0f)
            throw Error(source + ": the importance vector of '" + tensor + "' has " +
                        std::to_string(importance[i]) + " at column " +
                        std::to_string(int64_t(i) % cols) +
                        (matrices == 1 ? "" : " of matrix " + std::to_string(int64_t(i) / cols)) +
                        "; weights must be finite and non-negative");
}

int64_t importanceVectorOf(int64_t r, ImportanceRows layout) {
    return layout.rowsPerMatrix > 0 ? (layout.firstRow + r) / layout.rowsPerMatrix : 0;
}

void requireImportanceRows(std::span<const float> importance, int64_t rows, int64_t cols,
                           ImportanceRows layout) {
    const int64_t matrices = cols > 0 ? int64_t(importance.size()) / cols : 0;
    const int64_t last = rows > 0 ? importanceVectorOf(rows - 1, layout) : 0; // the largest index
    if (rows > 0 && last >= matrices)
        throw Error("importance: row " + std::to_string(layout.firstRow + rows - 1) +
                    " is in matrix " + std::to_string(last) + ", but the importance holds " +
                    std::to_string(matrices) + " vector(s)");
}

void quantizeWithImportance(QuantFormat format, std::span<const float> src, int64_t rows,
                            int64_t cols, std::span<const float> importance, QuantizedTensor& out,
                            int threads, ImportanceRows layout, SimdLevel lanes) {
    const DType storage = quantFormatInfo(format).storage;
    const ImportanceRowEncoder scalar = importanceRowEncoder(storage);
    const auto encode = [&](const float* x, std::byte* dst, int64_t n, const float* imp) {
        if (lanes == SimdLevel::Scalar)
            scalar(x, dst, n, imp);
        else
            quantizeRowInLanes(storage, x, dst, n, imp, lanes);
    };
    requireImportanceRows(importance, rows, cols, layout); // before the threads start
    const auto vectorOf = [&](int64_t r) {
        return importance.data() + importanceVectorOf(r, layout) * cols;
    };
    out.resize(format, rows, cols);
    const uint64_t rowBytes = packedRowBytes(format, cols);
    // One row of a 4096-wide tensor is about 0.1 ms of the searched encoders.
    parallelFor(rows, threads, 16, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r)
            encode(src.data() + r * cols, out.packed.data() + size_t(r) * rowBytes, cols,
                   vectorOf(r));
    });
}

} // namespace ql
