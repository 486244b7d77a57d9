// ggml's K-quant and IQ4_NL decoders (dequantize_row_q*_K, dequantize_row_iq4_nl),
// written from the block layouts in formats.h. The order of float operations follows
// ggml's scalar code (scale products first, then code times scale minus min), without
// fused multiply-add.
#include "engine/core/half.h"
#include "engine/quant/block_io.h"
#include "engine/quant/dequantize.h"

#include <cstring>

namespace ql {
namespace {

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

namespace {

// Q4_K and Q5_K share their layout of 8 sub-blocks of 32 with 6-bit scales and mins;
// Q5_K adds a fifth bit per value from qh (null for Q4_K): bit 2k for the low nibbles of
// the k-th 64-value chunk, bit 2k+1 for the high nibbles.
void decodeK4Block(float d, float min, const uint8_t* scales, const uint8_t* qs, const uint8_t* qh,
                   float* y) {
    for (int is = 0; is < 8; is += 2, qs += 32) {
        uint8_t sc, m;
        scaleMinK4(is, scales, sc, m);
        const float d1 = d * float(sc), m1 = min * float(m);
        scaleMinK4(is + 1, scales, sc, m);
        const float d2 = d * float(sc), m2 = min * float(m);
        const uint8_t lowBit = uint8_t(1u << is), highBit = uint8_t(2u << is);
        for (int l = 0; l < 32; ++l)
            *y++ = d1 * float((qs[l] & 0xF) + (qh && (qh[l] & lowBit) ? 16 : 0)) - m1;
        for (int l = 0; l < 32; ++l)
            *y++ = d2 * float((qs[l] >> 4) + (qh && (qh[l] & highBit) ? 16 : 0)) - m2;
    }
}

} // namespace

void dequantizeRowQ4_K(const std::byte* src, float* dst, int64_t n) {
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        const auto b = loadBlock<BlockQ4_K>(src, i);
        decodeK4Block(halfToFloat(b.d), halfToFloat(b.dmin), b.scales, b.qs, nullptr,
                      dst + i * kQK_K);
    }
}

void dequantizeRowQ5_K(const std::byte* src, float* dst, int64_t n) {
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        const auto b = loadBlock<BlockQ5_K>(src, i);
        decodeK4Block(halfToFloat(b.d), halfToFloat(b.dmin), b.scales, b.qs, b.qh, dst + i * kQK_K);
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
