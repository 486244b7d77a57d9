#include "engine/core/error.h"
#include "engine/quant/kquant_encode.h"

#include <cmath>
#include <string>

namespace ql {
namespace {

void requireImportance(std::span<const float> importance, int64_t cols) {
    if (importance.empty())
        return;
    if (int64_t(importance.size()) != cols)
        throw Error("importance vector: " + std::to_string(importance.size()) +
                    " weights for a tensor of " + std::to_string(cols) +
                    " columns; it needs one weight per column");
    for (size_t i = 0; i < importance.size(); ++i)
        if (!std::isfinite(importance[i]) || importance[i] < 0.0f)
            throw Error("importance vector: weight " + std::to_string(i) + " is " +
                        std::to_string(importance[i]) +
                        "; weights must be finite and non-negative");
}

} // namespace

void quantizeKQuantReference(QuantFormat format, std::span<const float> src, int64_t rows,
                             int64_t cols, std::span<const float> importance,
                             QuantizedTensor& out) {
    const auto& info = quantFormatInfo(format);
    const KQuantRowEncoder encode = kquantRowEncoder(info.storage);
    if (cols % blockMultiple(format) != 0)
        throw Error(std::string(info.name) + ": rows of " + std::to_string(cols) +
                    " values are not whole blocks of " + std::to_string(blockMultiple(format)) +
                    "; quantize them as fallbackFormat() says");
    requireImportance(importance, cols);
    out.resize(format, rows, cols);
    out.backend = "ref";
    const uint64_t rowBytes = packedRowBytes(format, cols);
    const float* imp = importance.empty() ? nullptr : importance.data();
    for (int64_t r = 0; r < rows; ++r)
        encode(src.data() + r * cols, out.packed.data() + size_t(r) * rowBytes, cols, imp);
}

} // namespace ql
