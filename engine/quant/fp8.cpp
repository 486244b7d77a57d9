#include "engine/quant/fp8.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

namespace ql {
namespace {

struct Fp8Layout {
    int mantissaBits;
    int bias;
    float maxFinite;
    uint8_t maxCode; // magnitude bits of the largest finite value
    uint8_t nanCode;
};

Fp8Layout layout(Fp8Kind kind) {
    if (kind == Fp8Kind::E4M3FN)
        return {3, 7, 448.0f, 0x7e, 0x7f};
    return {2, 15, 57344.0f, 0x7b, 0x7f};
}

} // namespace

float fp8MaxFinite(Fp8Kind kind) {
    return layout(kind).maxFinite;
}

float fp8ToFloat(uint8_t code, Fp8Kind kind) {
    const Fp8Layout l = layout(kind);
    const float sign = (code & 0x80) ? -1.0f : 1.0f;
    const int magnitude = code & 0x7f;
    const int exponent = magnitude >> l.mantissaBits;
    const int mantissa = magnitude & ((1 << l.mantissaBits) - 1);
    const int maxExponent = (1 << (7 - l.mantissaBits)) - 1;
    if (kind == Fp8Kind::E4M3FN && magnitude == 0x7f)
        return std::nanf("");
    if (kind == Fp8Kind::E5M2 && exponent == maxExponent)
        return mantissa == 0 ? sign * INFINITY : std::nanf("");
    const float frac = float(mantissa) / float(1 << l.mantissaBits);
    if (exponent == 0) // subnormal
        return sign * std::ldexp(frac, 1 - l.bias);
    return sign * std::ldexp(1.0f + frac, exponent - l.bias);
}

uint8_t floatToFp8(float value, Fp8Kind kind) {
    const Fp8Layout l = layout(kind);
    if (std::isnan(value))
        return l.nanCode;
    const uint8_t sign = std::signbit(value) ? 0x80 : 0x00;
    const double a = std::fabs(double(value));
    if (a >= l.maxFinite)
        return uint8_t(sign | l.maxCode);
    // The spacing of representable values around a: 2^(e - mantissaBits), where e is
    // a's binary exponent, but never below the subnormal spacing 2^(1 - bias - m).
    int e = 0;
    std::frexp(a, &e); // a = f * 2^e, f in [0.5, 1)
    const int unbiased = std::max(e - 1, 1 - l.bias);
    const double quantum = std::ldexp(1.0, unbiased - l.mantissaBits);
    const double rounded = std::nearbyint(a / quantum) * quantum; // ties to even, exact
    if (rounded >= l.maxFinite)
        return uint8_t(sign | l.maxCode);
    if (rounded == 0.0)
        return sign;
    std::frexp(rounded, &e);
    const int exponent = std::max(e - 1 + l.bias, 0);
    const int mantissa =
        exponent == 0 ? int(rounded / std::ldexp(1.0, 1 - l.bias - l.mantissaBits))
                      : int((rounded / std::ldexp(1.0, e - 1) - 1.0) * (1 << l.mantissaBits));
    return uint8_t(sign | (exponent << l.mantissaBits) | mantissa);
}

Fp8Bits fp8Bits(Fp8Kind kind) {
    const Fp8Layout l = layout(kind);
    const float minNormal = std::ldexp(1.0f, 1 - l.bias);
    return {l.mantissaBits,
            l.bias,
            std::bit_cast<uint32_t>(l.maxFinite),
            std::bit_cast<uint32_t>(minNormal),
            l.maxCode,
            l.nanCode};
}

uint8_t floatToFp8Bits(float value, Fp8Kind kind) {
    const Fp8Bits b = fp8Bits(kind);
    const uint32_t u = std::bit_cast<uint32_t>(value);
    const uint32_t sign = (u >> 24) & 0x80u, a = u & 0x7fffffffu;
    if (a > 0x7f800000u)
        return b.nanCode;
    if (a >= b.maxFiniteBits)
        return uint8_t(sign | b.maxCode);
    uint32_t magnitude;
    if (a < b.minNormalBits) {
        // Exact scaling by a power of two, then round half to even (default FP mode).
        const float scaled =
            std::bit_cast<float>(a) * std::ldexp(1.0f, b.bias + b.mantissaBits - 1);
        magnitude = uint32_t(std::nearbyint(scaled));
    } else {
        const int shift = 23 - b.mantissaBits;
        const uint32_t rounded = a + ((1u << (shift - 1)) - 1u) + ((a >> shift) & 1u);
        magnitude = (rounded >> shift) - (uint32_t(127 - b.bias) << b.mantissaBits);
    }
    return uint8_t(sign | std::min<uint32_t>(magnitude, b.maxCode));
}

void quantizeRowFp8(const float* x, uint8_t* dst, int64_t n, Fp8Kind kind) {
    float absmax = 0.0f;
    for (int64_t j = 0; j < n; ++j)
        absmax = std::max(absmax, std::fabs(x[j]));
    quantizeRowFp8Scaled(x, dst, n, kind, absmax / fp8MaxFinite(kind));
}

void quantizeRowFp8Scaled(const float* x, uint8_t* dst, int64_t n, Fp8Kind kind, float scale) {
    std::memcpy(dst, &scale, sizeof scale);
    for (int64_t j = 0; j < n; ++j)
        dst[4 + j] = scale != 0.0f ? floatToFp8(x[j] / scale, kind) : uint8_t(0);
}

void dequantizeRowFp8(const uint8_t* src, float* dst, int64_t n, Fp8Kind kind) {
    float scale;
    std::memcpy(&scale, src, sizeof scale);
    for (int64_t j = 0; j < n; ++j)
        dst[j] = fp8ToFloat(src[4 + j], kind) * scale;
}

} // namespace ql
