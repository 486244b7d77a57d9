#include "engine/quant/quantize.h"

#include "engine/core/error.h"
#include "engine/core/half.h"

#include <algorithm>
#include <cmath>

namespace ql {

void QuantizedTensor::resize(QuantFormat f, int64_t r, int64_t c) {
    format = f;
    rows = r;
    cols = c;
    codes.assign(size_t(r * c), 0);
    scales.assign(size_t(r * groupsPerRow(f, c)), 0.0f);
}

float QuantizedTensor::storedScale(int64_t row, int64_t group) const {
    const float s = scales[size_t(row * groupsPerRow(format, cols) + group)];
    return halfToFloat(floatToHalf(s));
}

void QuantizedTensor::dequantizeRow(int64_t row, float* out) const {
    const int g = quantFormatInfo(format).groupSize;
    const int64_t groupLen = g == 0 ? cols : g;
    const int8_t* rowCodes = codes.data() + row * cols;
    for (int64_t begin = 0, group = 0; begin < cols; begin += groupLen, ++group) {
        const float d = storedScale(row, group);
        const int64_t end = std::min(cols, begin + groupLen);
        for (int64_t j = begin; j < end; ++j)
            out[j] = float(rowCodes[j]) * d;
    }
}

std::vector<float> QuantizedTensor::dequantize() const {
    std::vector<float> out(size_t(rows * cols));
    for (int64_t r = 0; r < rows; ++r)
        dequantizeRow(r, out.data() + r * cols);
    return out;
}

namespace {

// One group of the contract in quantize.h, written plainly.
void quantizeGroupReference(const float* x, int64_t n, int qmax, int8_t* codes, float& scale) {
    float absmax = 0.0f;
    for (int64_t j = 0; j < n; ++j)
        absmax = std::max(absmax, std::fabs(x[j]));
    scale = absmax / float(qmax);
    float inv = scale != 0.0f ? 1.0f / scale : 0.0f;
    if (!std::isfinite(inv))
        inv = 0.0f;
    for (int64_t j = 0; j < n; ++j) {
        const float v = std::nearbyint(x[j] * inv);
        codes[j] = int8_t(std::clamp(v, float(-qmax), float(qmax)));
    }
}

} // namespace

void quantizeReference(QuantFormat format, std::span<const float> src, int64_t rows, int64_t cols,
                       QuantizedTensor& out) {
    const auto& info = quantFormatInfo(format);
    out.resize(format, rows, cols);
    out.backend = "ref";
    const int64_t groupLen = info.groupSize == 0 ? cols : info.groupSize;
    const int64_t groups = groupsPerRow(format, cols);
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t g = 0; g < groups; ++g) {
            const int64_t begin = g * groupLen;
            const int64_t n = std::min(cols, begin + groupLen) - begin;
            quantizeGroupReference(src.data() + r * cols + begin, n, info.qmax,
                                   out.codes.data() + r * cols + begin,
                                   out.scales[size_t(r * groups + g)]);
        }
    }
}

void requireFinite(std::span<const float> values, const std::string& tensorName) {
    for (size_t i = 0; i < values.size(); ++i) {
        if (!std::isfinite(values[i]))
            throw Error("tensor '" + tensorName + "': " +
                        (std::isnan(values[i]) ? "NaN" : "Inf") + " at element " +
                        groupDigits(i) + "; quantization needs finite weights");
    }
}

} // namespace ql
