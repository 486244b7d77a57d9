// ggml's K-quant and IQ4_NL decoders (dequantize_row_q*_K, dequantize_row_iq4_nl),
// written from the block layouts in formats.h. The order of float operations follows
// ggml's scalar code (scale products first, then code times scale minus min), without
// fused multiply-add.
#include "engine/core/half.h"
#include "engine/quant/dequantize.h"

#include <cstring>

namespace ql {
namespace {

template <typename Block> Block loadBlock(const std::byte* src, int64_t i) {
    Block b;
    std::memcpy(&b, src + i * int64_t(sizeof(Block)), sizeof(Block));
    return b;
}

// Q4_K/Q5_K: 8 scales and 8 mins of 6 bits packed in 12 bytes. Sub-block j < 4 keeps
// its low 6 bits in bytes j and j+4; sub-blocks 4..7 take 4 low bits from byte j+4 and
// their top 2 bits from the spare bits of bytes j-4 and j.
void scaleMinK4(int j, const uint8_t* q, uint8_t& scale, uint8_t& min) {
    if (j < 4) {
        scale = q[j] & 63;
        min = q[j + 4] & 63;
    } else {
        scale = uint8_t((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        min = uint8_t((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

// Q3_K: 16 scales of 6 bits in 12 bytes; low 4 bits in bytes 0..7 (two per byte), high
// 2 bits in bytes 8..11. Returned as signed values with the +32 offset removed.
void unpackScalesQ3K(const uint8_t* packed, int8_t* out) {
    for (int i = 0; i < 16; ++i) {
        const int low = i < 8 ? packed[i] & 0xF : packed[i - 8] >> 4;
        const int high = (packed[8 + i % 4] >> (2 * (i / 4))) & 3;
        out[i] = int8_t((low | (high << 4)) - 32);
    }
}

} // namespace

void dequantizeRowQ2_K(const std::byte* src, float* dst, int64_t n) {
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        const auto b = loadBlock<BlockQ2_K>(src, i);
        const float d = halfToFloat(b.d), min = halfToFloat(b.dmin);
        float* y = dst + i * kQK_K;
        int is = 0;
        for (int half = 0; half < 2; ++half) {
            const uint8_t* q = b.qs + 32 * half;
            for (int shift = 0; shift < 8; shift += 2) {
                for (int part = 0; part < 2; ++part) {
                    const uint8_t sc = b.scales[is++];
                    const float dl = d * float(sc & 0xF), ml = min * float(sc >> 4);
                    for (int l = 0; l < 16; ++l)
                        *y++ = dl * float((q[l + 16 * part] >> shift) & 3) - ml;
                }
            }
        }
    }
}

void dequantizeRowQ3_K(const std::byte* src, float* dst, int64_t n) {
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        const auto b = loadBlock<BlockQ3_K>(src, i);
        const float d = halfToFloat(b.d);
        int8_t scales[16];
        unpackScalesQ3K(b.scales, scales);
        float* y = dst + i * kQK_K;
        int is = 0;
        uint8_t m = 1;
        for (int half = 0; half < 2; ++half) {
            const uint8_t* q = b.qs + 32 * half;
            for (int shift = 0; shift < 8; shift += 2, m = uint8_t(m << 1)) {
                for (int part = 0; part < 2; ++part) {
                    const float dl = d * float(scales[is++]);
                    for (int l = 0; l < 16; ++l) {
                        const int k = l + 16 * part;
                        const int code = ((q[k] >> shift) & 3) - ((b.hmask[k] & m) ? 0 : 4);
                        *y++ = dl * float(code);
                    }
                }
            }
        }
    }
}

void dequantizeRowQ4_K(const std::byte* src, float* dst, int64_t n) {
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        const auto b = loadBlock<BlockQ4_K>(src, i);
        const float d = halfToFloat(b.d), min = halfToFloat(b.dmin);
        float* y = dst + i * kQK_K;
        const uint8_t* q = b.qs;
        for (int is = 0; is < 8; is += 2, q += 32) {
            uint8_t sc, m;
            scaleMinK4(is, b.scales, sc, m);
            const float d1 = d * float(sc), m1 = min * float(m);
            scaleMinK4(is + 1, b.scales, sc, m);
            const float d2 = d * float(sc), m2 = min * float(m);
            for (int l = 0; l < 32; ++l)
                *y++ = d1 * float(q[l] & 0xF) - m1;
            for (int l = 0; l < 32; ++l)
                *y++ = d2 * float(q[l] >> 4) - m2;
        }
    }
}

void dequantizeRowQ5_K(const std::byte* src, float* dst, int64_t n) {
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        const auto b = loadBlock<BlockQ5_K>(src, i);
        const float d = halfToFloat(b.d), min = halfToFloat(b.dmin);
        float* y = dst + i * kQK_K;
        const uint8_t* ql = b.qs;
        uint8_t u1 = 1, u2 = 2;
        for (int is = 0; is < 8; is += 2, ql += 32, u1 = uint8_t(u1 << 2), u2 = uint8_t(u2 << 2)) {
            uint8_t sc, m;
            scaleMinK4(is, b.scales, sc, m);
            const float d1 = d * float(sc), m1 = min * float(m);
            scaleMinK4(is + 1, b.scales, sc, m);
            const float d2 = d * float(sc), m2 = min * float(m);
            for (int l = 0; l < 32; ++l)
                *y++ = d1 * float((ql[l] & 0xF) + ((b.qh[l] & u1) ? 16 : 0)) - m1;
            for (int l = 0; l < 32; ++l)
                *y++ = d2 * float((ql[l] >> 4) + ((b.qh[l] & u2) ? 16 : 0)) - m2;
        }
    }
}

void dequantizeRowQ6_K(const std::byte* src, float* dst, int64_t n) {
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        const auto b = loadBlock<BlockQ6_K>(src, i);
        const float d = halfToFloat(b.d);
        for (int half = 0; half < 2; ++half) {
            float* y = dst + i * kQK_K + 128 * half;
            const uint8_t* ql = b.ql + 64 * half;
            const uint8_t* qh = b.qh + 32 * half;
            const int8_t* sc = b.scales + 8 * half;
            for (int l = 0; l < 32; ++l) {
                const int is = l / 16;
                const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                y[l] = d * float(sc[is + 0]) * float(q1);
                y[l + 32] = d * float(sc[is + 2]) * float(q2);
                y[l + 64] = d * float(sc[is + 4]) * float(q3);
                y[l + 96] = d * float(sc[is + 6]) * float(q4);
            }
        }
    }
}

void dequantizeRowIQ4_NL(const std::byte* src, float* dst, int64_t n) {
    for (int64_t i = 0; i < n / 32; ++i) {
        const auto b = loadBlock<BlockIQ4_NL>(src, i);
        const float d = halfToFloat(b.d);
        for (int j = 0; j < 16; ++j) {
            dst[i * 32 + j] = d * float(kIQ4NLValues[b.qs[j] & 0xF]);
            dst[i * 32 + j + 16] = d * float(kIQ4NLValues[b.qs[j] >> 4]);
        }
    }
}

} // namespace ql
