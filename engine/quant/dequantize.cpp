#include "engine/quant/dequantize.h"
#include "engine/quant/block_io.h"

#include "engine/core/half.h"

#include <cstring>
#include <stdexcept>

namespace ql {
namespace {

constexpr int kQk = 32; // every legacy ggml block holds 32 values

template <typename T, typename Convert>
void convertScalars(const std::byte* src, float* dst, int64_t n, Convert convert) {
    for (int64_t i = 0; i < n; ++i) {
        T v;
        std::memcpy(&v, src + i * int64_t(sizeof(T)), sizeof(T));
        dst[i] = convert(v);
    }
}

// The fifth bits of Q5 blocks: element j takes bit j of qh, element j+16 bit j+16.
uint32_t highBits(const uint8_t (&qh)[4]) {
    uint32_t v;
    std::memcpy(&v, qh, sizeof v);
    return v;
}

} // namespace

void dequantizeRowQ8_0(const std::byte* src, float* dst, int64_t n) {
    for (int64_t i = 0; i < n / kQk; ++i) {
        const auto b = loadBlock<BlockQ8_0>(src, i);
        const float d = halfToFloat(b.d);
        for (int j = 0; j < kQk; ++j)
            dst[i * kQk + j] = float(b.qs[j]) * d;
    }
}

void dequantizeRowQ4_0(const std::byte* src, float* dst, int64_t n) {
    for (int64_t i = 0; i < n / kQk; ++i) {
        const auto b = loadBlock<BlockQ4_0>(src, i);
        const float d = halfToFloat(b.d);
        for (int j = 0; j < kQk / 2; ++j) {
            const int x0 = (b.qs[j] & 0x0F) - 8;
            const int x1 = (b.qs[j] >> 4) - 8;
            dst[i * kQk + j] = float(x0) * d;
            dst[i * kQk + j + kQk / 2] = float(x1) * d;
        }
    }
}

void dequantizeRowQ4_1(const std::byte* src, float* dst, int64_t n) {
    for (int64_t i = 0; i < n / kQk; ++i) {
        const auto b = loadBlock<BlockQ4_1>(src, i);
        const float d = halfToFloat(b.d);
        const float m = halfToFloat(b.m);
        for (int j = 0; j < kQk / 2; ++j) {
            dst[i * kQk + j] = float(b.qs[j] & 0x0F) * d + m;
            dst[i * kQk + j + kQk / 2] = float(b.qs[j] >> 4) * d + m;
        }
    }
}

void dequantizeRowQ5_0(const std::byte* src, float* dst, int64_t n) {
    for (int64_t i = 0; i < n / kQk; ++i) {
        const auto b = loadBlock<BlockQ5_0>(src, i);
        const float d = halfToFloat(b.d);
        const uint32_t qh = highBits(b.qh);
        for (int j = 0; j < kQk / 2; ++j) {
            const uint8_t h0 = uint8_t(((qh >> (j + 0)) << 4) & 0x10);
            const uint8_t h1 = uint8_t((qh >> (j + 12)) & 0x10);
            const int x0 = ((b.qs[j] & 0x0F) | h0) - 16;
            const int x1 = ((b.qs[j] >> 4) | h1) - 16;
            dst[i * kQk + j] = float(x0) * d;
            dst[i * kQk + j + kQk / 2] = float(x1) * d;
        }
    }
}

void dequantizeRowQ5_1(const std::byte* src, float* dst, int64_t n) {
    for (int64_t i = 0; i < n / kQk; ++i) {
        const auto b = loadBlock<BlockQ5_1>(src, i);
        const float d = halfToFloat(b.d);
        const float m = halfToFloat(b.m);
        const uint32_t qh = highBits(b.qh);
        for (int j = 0; j < kQk / 2; ++j) {
            const uint8_t h0 = uint8_t(((qh >> (j + 0)) << 4) & 0x10);
            const uint8_t h1 = uint8_t((qh >> (j + 12)) & 0x10);
            dst[i * kQk + j] = float((b.qs[j] & 0x0F) | h0) * d + m;
            dst[i * kQk + j + kQk / 2] = float((b.qs[j] >> 4) | h1) * d + m;
        }
    }
}

void dequantizeRows(DType type, std::span<const std::byte> src, float* dst, int64_t n) {
    const auto bytes = n < 0 ? std::nullopt : dtypeBytes(type, uint64_t(n));
    if (!bytes || *bytes != src.size())
        throw std::invalid_argument("dequantizeRows: source size does not match the count");
    const std::byte* p = src.data();
    switch (type) {
    case DType::F32:
        std::memcpy(dst, p, src.size());
        return;
    case DType::F16:
        convertScalars<uint16_t>(p, dst, n, halfToFloat);
        return;
    case DType::BF16:
        convertScalars<uint16_t>(p, dst, n, bf16ToFloat);
        return;
    case DType::Q8_0:
        dequantizeRowQ8_0(p, dst, n);
        return;
    case DType::Q4_0:
        dequantizeRowQ4_0(p, dst, n);
        return;
    case DType::Q4_1:
        dequantizeRowQ4_1(p, dst, n);
        return;
    case DType::Q5_0:
        dequantizeRowQ5_0(p, dst, n);
        return;
    case DType::Q5_1:
        dequantizeRowQ5_1(p, dst, n);
        return;
    case DType::Q2_K:
        dequantizeRowQ2_K(p, dst, n);
        return;
    case DType::Q3_K:
        dequantizeRowQ3_K(p, dst, n);
        return;
    case DType::Q4_K:
        dequantizeRowQ4_K(p, dst, n);
        return;
    case DType::Q5_K:
        dequantizeRowQ5_K(p, dst, n);
        return;
    case DType::Q6_K:
        dequantizeRowQ6_K(p, dst, n);
        return;
    case DType::IQ4_NL:
        dequantizeRowIQ4_NL(p, dst, n);
        return;
    }
    throw std::invalid_argument("dequantizeRows: unknown DType");
}

} // namespace ql
