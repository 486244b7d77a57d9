#include "engine/quant/ggml_legacy_quant.h"

#include "engine/core/half.h"
#include "engine/quant/formats.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace ql {
namespace {

constexpr int kBlock = 32;

template <typename Block> Block* blocks(std::byte* dst) {
    return reinterpret_cast<Block*>(dst);
}

// The value with the largest magnitude, sign kept (the first one on ties), as ggml's
// Q4_0/Q5_0 use it: the scale is negative when that value is positive.
float signedAbsMax(const float* x) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < kBlock; ++j)
        if (std::fabs(x[j]) > amax) {
            amax = std::fabs(x[j]);
            max = x[j];
        }
    return max;
}

void minMax(const float* x, float& min, float& max) {
    min = x[0];
    max = x[0];
    for (int j = 1; j < kBlock; ++j) {
        min = std::min(min, x[j]);
        max = std::max(max, x[j]);
    }
}

} // namespace

void quantizeRowQ8_0Ref(const float* x, std::byte* dst, int64_t n) {
    BlockQ8_0* y = blocks<BlockQ8_0>(dst);
    for (int64_t i = 0; i < n / kBlock; ++i, x += kBlock) {
        float amax = 0.0f;
        for (int j = 0; j < kBlock; ++j)
            amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[i].d = floatToHalf(d);
        for (int j = 0; j < kBlock; ++j)
            y[i].qs[j] = int8_t(std::roundf(x[j] * id));
    }
}

void quantizeRowQ4_0Ref(const float* x, std::byte* dst, int64_t n) {
    BlockQ4_0* y = blocks<BlockQ4_0>(dst);
    for (int64_t i = 0; i < n / kBlock; ++i, x += kBlock) {
        const float d = signedAbsMax(x) / -8.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[i].d = floatToHalf(d);
        for (int j = 0; j < kBlock / 2; ++j) {
            const float x0 = x[j] * id, x1 = x[j + kBlock / 2] * id;
            const uint8_t q0 = uint8_t(std::min<int8_t>(15, int8_t(x0 + 8.5f)));
            const uint8_t q1 = uint8_t(std::min<int8_t>(15, int8_t(x1 + 8.5f)));
            y[i].qs[j] = uint8_t(q0 | (q1 << 4));
        }
    }
}

void quantizeRowQ4_1Ref(const float* x, std::byte* dst, int64_t n) {
    BlockQ4_1* y = blocks<BlockQ4_1>(dst);
    for (int64_t i = 0; i < n / kBlock; ++i, x += kBlock) {
        float min, max;
        minMax(x, min, max);
        const float d = (max - min) / 15.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[i].d = floatToHalf(d);
        y[i].m = floatToHalf(min);
        for (int j = 0; j < kBlock / 2; ++j) {
            const float x0 = (x[j] - min) * id, x1 = (x[j + kBlock / 2] - min) * id;
            const uint8_t q0 = uint8_t(std::min<int8_t>(15, int8_t(x0 + 0.5f)));
            const uint8_t q1 = uint8_t(std::min<int8_t>(15, int8_t(x1 + 0.5f)));
            y[i].qs[j] = uint8_t(q0 | (q1 << 4));
        }
    }
}

void quantizeRowQ5_0Ref(const float* x, std::byte* dst, int64_t n) {
    BlockQ5_0* y = blocks<BlockQ5_0>(dst);
    for (int64_t i = 0; i < n / kBlock; ++i, x += kBlock) {
        const float d = signedAbsMax(x) / -16.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[i].d = floatToHalf(d);
        uint32_t qh = 0;
        for (int j = 0; j < kBlock / 2; ++j) {
            const float x0 = x[j] * id, x1 = x[j + kBlock / 2] * id;
            const uint8_t q0 = uint8_t(std::min<int8_t>(31, int8_t(x0 + 16.5f)));
            const uint8_t q1 = uint8_t(std::min<int8_t>(31, int8_t(x1 + 16.5f)));
            y[i].qs[j] = uint8_t((q0 & 0x0f) | ((q1 & 0x0f) << 4));
            qh |= uint32_t((q0 & 0x10) >> 4) << j;
            qh |= uint32_t((q1 & 0x10) >> 4) << (j + kBlock / 2);
        }
        std::memcpy(y[i].qh, &qh, sizeof qh);
    }
}

void quantizeRowQ5_1Ref(const float* x, std::byte* dst, int64_t n) {
    BlockQ5_1* y = blocks<BlockQ5_1>(dst);
    for (int64_t i = 0; i < n / kBlock; ++i, x += kBlock) {
        float min, max;
        minMax(x, min, max);
        const float d = (max - min) / 31.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[i].d = floatToHalf(d);
        y[i].m = floatToHalf(min);
        uint32_t qh = 0;
        for (int j = 0; j < kBlock / 2; ++j) {
            const float x0 = (x[j] - min) * id, x1 = (x[j + kBlock / 2] - min) * id;
            const uint8_t q0 = uint8_t(x0 + 0.5f), q1 = uint8_t(x1 + 0.5f);
            y[i].qs[j] = uint8_t((q0 & 0x0f) | ((q1 & 0x0f) << 4));
            qh |= uint32_t((q0 & 0x10) >> 4) << j;
            qh |= uint32_t((q1 & 0x10) >> 4) << (j + kBlock / 2);
        }
        std::memcpy(y[i].qh, &qh, sizeof qh);
    }
}

void convertRowF16(const float* x, std::byte* dst, int64_t n) {
    for (int64_t j = 0; j < n; ++j) {
        const uint16_t h = floatToHalf(x[j]);
        std::memcpy(dst + 2 * j, &h, 2);
    }
}

} // namespace ql
