#include "engine/quant/quantize.h"

#include "engine/core/error.h"
#include "engine/core/half.h"
#include "engine/quant/dequantize.h"
#include "engine/quant/fp8.h"
#include "engine/quant/ggml_legacy_quant.h"
#include "engine/quant/hqq.h"
#include "engine/quant/kquant_encode.h"
#include "engine/quant/kquant_lsq.h"
#include "engine/quant/nf4.h"
#include "engine/quant/rtn_schemes.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace ql {

namespace {
Fp8Kind fp8Kind(QuantFormat f) {
    return f == QuantFormat::Fp8E4M3 || f == QuantFormat::Fp8E4M3Tensor ? Fp8Kind::E4M3FN
                                                                        : Fp8Kind::E5M2;
}

bool isFp8(QuantFormat f) {
    return f == QuantFormat::Fp8E4M3 || f == QuantFormat::Fp8E5M2 ||
           f == QuantFormat::Fp8E4M3Tensor || f == QuantFormat::Fp8E5M2Tensor;
}
} // namespace

void QuantizedTensor::resize(QuantFormat f, int64_t r, int64_t c) {
    format = f;
    rows = r;
    cols = c;
    doubleQuant = {};
    const auto& info = quantFormatInfo(f);
    if (info.kind == QuantKind::Block) {
        codes.clear();
        scales.clear();
        zeros.clear();
        // Every block encoder (ref, cpu, vulkan) writes each byte of its rows, so a reused
        // buffer is not zeroed again: the fill cost Q8_0 about a tenth of its time.
        // quantize_buffer_reuse_test pins this (stale bytes never leak into the output).
        packed.resize(size_t(r) * packedRowBytes(f, c));
        return;
    }
    packed.clear();
    codes.assign(size_t(r * c), 0);
    scales.assign(size_t(r * groupsPerRow(f, c)), 0.0f);
    zeros.assign(info.zeroBits > 0 ? scales.size() : 0, 0.0f);
}

float QuantizedTensor::storedScale(int64_t row, int64_t group) const {
    const auto& info = quantFormatInfo(format);
    const int64_t i = row * groupsPerRow(format, cols) + group;
    if (info.doubleQuant)
        return doubleQuantizedAbsmax(doubleQuant, i);
    const float s = scales[size_t(i)];
    return info.scaleBits == 32 ? s : halfToFloat(floatToHalf(s));
}

void QuantizedTensor::dequantizeRow(int64_t row, float* out) const {
    const auto& info = quantFormatInfo(format);
    if (info.kind == QuantKind::Block) {
        const uint64_t rowBytes = packedRowBytes(format, cols);
        const std::byte* src = packed.data() + size_t(row) * rowBytes;
        if (isFp8(format))
            dequantizeRowFp8(reinterpret_cast<const uint8_t*>(src), out, cols, fp8Kind(format));
        else
            dequantizeRows(info.storage, {src, rowBytes}, out, cols);
        return;
    }
    const int64_t groupLen = info.groupSize == 0 ? cols : info.groupSize;
    const int64_t groups = groupsPerRow(format, cols);
    const int8_t* rowCodes = codes.data() + row * cols;
    for (int64_t begin = 0, group = 0; begin < cols; begin += groupLen, ++group) {
        const float d = storedScale(row, group);
        const float zero = zeros.empty() ? 0.0f : zeros[size_t(row * groups + group)];
        const int64_t end = std::min(cols, begin + groupLen);
        for (int64_t j = begin; j < end; ++j)
            out[j] = codeValue(info, rowCodes[j], zero) * d;
    }
}

std::vector<float> QuantizedTensor::dequantize() const {
    std::vector<float> out(size_t(rows * cols));
    for (int64_t r = 0; r < rows; ++r)
        dequantizeRow(r, out.data() + r * cols);
    return out;
}

namespace {

void encodeRowE4M3(const float* x, std::byte* dst, int64_t n) {
    quantizeRowFp8(x, reinterpret_cast<uint8_t*>(dst), n, Fp8Kind::E4M3FN);
}

void encodeRowE5M2(const float* x, std::byte* dst, int64_t n) {
    quantizeRowFp8(x, reinterpret_cast<uint8_t*>(dst), n, Fp8Kind::E5M2);
}

// Per-tensor FP8 rows: the scale already sits in the row header (see quantizeReference).
void encodeRowE4M3Tensor(const float* x, std::byte* dst, int64_t n) {
    float scale;
    std::memcpy(&scale, dst, sizeof scale);
    quantizeRowFp8Scaled(x, reinterpret_cast<uint8_t*>(dst), n, Fp8Kind::E4M3FN, scale);
}

void encodeRowE5M2Tensor(const float* x, std::byte* dst, int64_t n) {
    float scale;
    std::memcpy(&scale, dst, sizeof scale);
    quantizeRowFp8Scaled(x, reinterpret_cast<uint8_t*>(dst), n, Fp8Kind::E5M2, scale);
}

} // namespace

RowEncoder referenceRowEncoder(QuantFormat format) {
    switch (format) {
    case QuantFormat::F16:
        return convertRowF16;
    case QuantFormat::Q8_0:
        return quantizeRowQ8_0Ref;
    case QuantFormat::Q4_0:
        return quantizeRowQ4_0Ref;
    case QuantFormat::Q4_1:
        return quantizeRowQ4_1Ref;
    case QuantFormat::Q5_0:
        return quantizeRowQ5_0Ref;
    case QuantFormat::Q5_1:
        return quantizeRowQ5_1Ref;
    case QuantFormat::Fp8E4M3:
        return encodeRowE4M3;
    case QuantFormat::Fp8E5M2:
        return encodeRowE5M2;
    case QuantFormat::Fp8E4M3Tensor:
        return encodeRowE4M3Tensor;
    case QuantFormat::Fp8E5M2Tensor:
        return encodeRowE5M2Tensor;
    case QuantFormat::Q2_K: // K-quants and IQ4_NL without importance (kquant_encode.h)
    case QuantFormat::Q3_K:
    case QuantFormat::Q4_K:
    case QuantFormat::Q5_K:
    case QuantFormat::Q6_K:
    case QuantFormat::IQ4_NL:
        return kquantPlainRowEncoder(quantFormatInfo(format).storage);
    case QuantFormat::Q4_KLsq: // the scalar lanes, the reference of the vector ones
        return [](const float* x, std::byte* dst, int64_t n) {
            quantizeRowQ4_KLsq(x, dst, n, SimdLevel::Scalar);
        };
    default:
        throw std::logic_error("referenceRowEncoder: not a block format");
    }
}

void quantizeBlockRows(QuantFormat format, const float* src, int64_t rowBegin, int64_t rowEnd,
                       int64_t cols, QuantizedTensor& out) {
    const RowEncoder encode = referenceRowEncoder(format);
    const uint64_t rowBytes = packedRowBytes(format, cols);
    for (int64_t r = rowBegin; r < rowEnd; ++r)
        encode(src + r * cols, out.packed.data() + size_t(r) * rowBytes, cols);
}

void storeTensorFp8Scale(QuantFormat format, float absmax, QuantizedTensor& out) {
    const float scale = absmax / fp8MaxFinite(fp8Kind(format));
    const uint64_t rowBytes = packedRowBytes(format, out.cols);
    for (int64_t r = 0; r < out.rows; ++r)
        std::memcpy(out.packed.data() + size_t(r) * rowBytes, &scale, sizeof scale);
}

void finishDoubleQuant(QuantizedTensor& out) {
    if (quantFormatInfo(out.format).doubleQuant)
        doubleQuantize(out.scales, out.doubleQuant);
}

void quantizeReference(QuantFormat format, std::span<const float> src, int64_t rows, int64_t cols,
                       QuantizedTensor& out) {
    if (isHqqFormat(format)) // HQQ's solver is its own reference (hqq.h)
        return void(quantizeHqq(format, src, rows, cols, out));
    const auto& info = quantFormatInfo(format);
    out.resize(format, rows, cols);
    out.backend = "ref";
    if (info.kind == QuantKind::Block) {
        if (info.perTensor)
            storeTensorFp8Scale(format, rangeStats(src.data(), int64_t(src.size())).absmax, out);
        quantizeBlockRows(format, src.data(), 0, rows, cols, out);
        return;
    }
    const int64_t groupLen = info.groupSize == 0 ? cols : info.groupSize;
    const int64_t groups = groupsPerRow(format, cols);
    const GroupParams tensorParams = groupParams(info, rangeStats(src.data(), int64_t(src.size())));
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t g = 0; g < groups; ++g) {
            const int64_t begin = g * groupLen;
            const int64_t n = std::min(cols, begin + groupLen) - begin;
            const float* x = src.data() + r * cols + begin;
            const GroupParams p =
                info.perTensor ? tensorParams : groupParams(info, rangeStats(x, n));
            encodeGroupReference(info, x, n, p, out.codes.data() + r * cols + begin);
            out.scales[size_t(r * groups + g)] = p.scale;
            if (!out.zeros.empty())
                out.zeros[size_t(r * groups + g)] = p.zero;
        }
    }
    finishDoubleQuant(out);
}

} // namespace ql
