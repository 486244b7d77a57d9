#pragma once
// Pieces shared by the K-quant encoders: fp16 round trips of block scales and the
// packing of codes into ggml's bit layouts (the inverse of dequantize_kquants.cpp).
#include "engine/core/half.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace ql::kquant {

// The value an fp16 field will decode to.
inline float viaHalf(uint16_t h) {
    return halfToFloat(h);
}

template <typename Block> void storeBlock(std::byte* dst, int64_t i, const Block& b) {
    std::memcpy(dst + i * int64_t(sizeof(Block)), &b, sizeof(Block));
}

// Q4_K/Q5_K: 8 scales and 8 mins of 6 bits into 12 bytes (see scaleMinK4 in
// dequantize_kquants.cpp for the layout).
inline void packScaleMinK4(const uint8_t* ls, const uint8_t* lm, uint8_t* scales) {
    for (int j = 0; j < 4; ++j) {
        scales[j] = ls[j];
        scales[j + 4] = lm[j];
    }
    for (int j = 4; j < 8; ++j) {
        scales[j + 4] = uint8_t((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
        scales[j - 4] = uint8_t(scales[j - 4] | ((ls[j] >> 4) << 6));
        scales[j] = uint8_t(scales[j] | ((lm[j] >> 4) << 6));
    }
}

inline void unpackScaleMinK4(int j, const uint8_t* q, uint8_t& scale, uint8_t& min) {
    if (j < 4) {
        scale = q[j] & 63;
        min = q[j + 4] & 63;
    } else {
        scale = uint8_t((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        min = uint8_t((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

// Q2_K/Q3_K: four 2-bit planes per 32 bytes, two halves of 128 values.
inline void packTwoBitPlanes(const uint8_t* L, uint8_t* qs) {
    for (int j = 0; j < 256; j += 128)
        for (int l = 0; l < 32; ++l)
            qs[j / 4 + l] = uint8_t(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) |
                                    (L[j + l + 96] << 6));
}

} // namespace ql::kquant
