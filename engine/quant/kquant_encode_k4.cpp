// Q4_K and Q5_K: 8 sub-blocks of 32 with an asymmetric grid (scale and min each), the
// sub-block scales and mins themselves quantized to 6 bits against fp16 super-scales.
#include "engine/quant/kquant_encode_k4.h"

#include "engine/quant/kquant_encode.h"
#include "engine/quant/kquant_encode_lanes.h"
#include "engine/quant/kquant_encode_search.h"

#include <algorithm>
#include <cmath>

namespace ql {
namespace kquant {

void quantizeScalesK4Plain(const float* scales, const float* mins, K4Fields& f) {
    float maxScale = 0.0f, maxMin = 0.0f;
    for (int j = 0; j < kK4SubBlocks; ++j) {
        maxScale = std::max(maxScale, scales[j]);
        maxMin = std::max(maxMin, mins[j]);
    }
    const float invScale = maxScale > 0.0f ? 63.0f / maxScale : 0.0f;
    const float invMin = maxMin > 0.0f ? 63.0f / maxMin : 0.0f;
    uint8_t ls[kK4SubBlocks], lm[kK4SubBlocks];
    for (int j = 0; j < kK4SubBlocks; ++j) {
        ls[j] = std::min<uint8_t>(63, uint8_t(nearestInt(invScale * scales[j])));
        lm[j] = std::min<uint8_t>(63, uint8_t(nearestInt(invMin * mins[j])));
    }
    packScaleMinK4(ls, lm, f.scales);
    f.d = floatToHalf(maxScale / 63.0f);
    f.dmin = floatToHalf(maxMin / 63.0f);
}

void storeQ4_K(const K4Fields& f, std::byte* dst, int64_t i) {
    BlockQ4_K b{};
    b.d = f.d;
    b.dmin = f.dmin;
    std::copy(f.scales, f.scales + 12, b.scales);
    for (int j = 0; j < kQK_K / 64; ++j)
        for (int l = 0; l < 32; ++l)
            b.qs[32 * j + l] = uint8_t(f.L[64 * j + l] | (f.L[64 * j + l + 32] << 4));
    storeBlock(dst, i, b);
}

void storeQ5_K(const K4Fields& f, std::byte* dst, int64_t i) {
    BlockQ5_K b{};
    b.d = f.d;
    b.dmin = f.dmin;
    std::copy(f.scales, f.scales + 12, b.scales);
    // Low nibbles in qs; the fifth bit of the k-th 64-value chunk in bits 2k, 2k+1.
    for (int j = 0; j < kQK_K / 64; ++j) {
        for (int l = 0; l < 32; ++l) {
            const int lo = f.L[64 * j + l], hi = f.L[64 * j + l + 32];
            b.qs[32 * j + l] = uint8_t((lo & 0xF) | ((hi & 0xF) << 4));
            b.qh[l] = uint8_t(b.qh[l] | ((lo >> 4) << (2 * j)) | ((hi >> 4) << (2 * j + 1)));
        }
    }
    storeBlock(dst, i, b);
}

} // namespace kquant

namespace {

using namespace kquant;

constexpr int kSub = kK4Sub, kSubBlocks = kK4SubBlocks;
using StoreFn = void (*)(const K4Fields&, std::byte*, int64_t);

// Without importance (quantize_row_q*_K_ref): weights av + |x| per sub-block, scales
// and mins rounded on a grid of 63 steps up to their maxima.
void searchPlain(const float* x, int nmax, AsymmetricSearch s, K4Fields& f) {
    float scales[kSubBlocks], mins[kSubBlocks], weights[kSub];
    uint8_t Laux[kSub];
    for (int j = 0; j < kSubBlocks; ++j) {
        const float* xs = x + kSub * j;
        float sumX2 = 0.0f;
        for (int l = 0; l < kSub; ++l)
            sumX2 += xs[l] * xs[l];
        const float av = std::sqrt(sumX2 / float(kSub));
        for (int l = 0; l < kSub; ++l)
            weights[l] = av + std::fabs(xs[l]);
        scales[j] =
            asymmetricScaleSearch(kSub, nmax, xs, weights, f.L + kSub * j, &mins[j], Laux, s);
    }
    quantizeScalesK4Plain(scales, mins, f);
}

// With importance (quantize_row_q*_K_impl): weights imp * sqrt(sigma2 + x^2), and the
// 6-bit scales and mins chosen by a weighted search of their own. The sub-block searches of
// kRun super-blocks go to the lanes together (16 sub-blocks fill AVX-512's).
constexpr int kRun = 2;

// Super-blocks [first, first + count) of the row.
void encodeWeightedRun(const float* x, const float* imp, int64_t first, int count, int nmax,
                       StoreFn store, std::byte* dst, const LaneSearches* lanes) {
    float scales[kRun * kSubBlocks], mins[kRun * kSubBlocks], sw[kRun * kSubBlocks];
    float weights[kRun * kQK_K] = {}; // zeroed: GCC cannot see that count >= 1 fills it
    uint8_t L[kRun * kQK_K];
    x += first * kQK_K;
    imp += first * kQK_K;
    for (int b = 0; b < count; ++b)
        importanceWeights(kQK_K, x + b * kQK_K, imp + b * kQK_K, 2.0f, kSub, weights + b * kQK_K,
                          sw + b * kSubBlocks);
    asymmetricScaleSearches(lanes, count * kSubBlocks, kSub, x, weights, nmax,
                            {-0.9f, 0.05f, 36, false}, true, scales, mins, L);
    for (int b = 0; b < count; ++b) {
        K4Fields f;
        uint8_t ls[kSubBlocks], lm[kSubBlocks];
        const float* sws = sw + b * kSubBlocks;
        const float dBlock = positiveScaleSearch(kSubBlocks, 63, scales + b * kSubBlocks, ls, sws);
        const float mBlock = positiveScaleSearch(kSubBlocks, 63, mins + b * kSubBlocks, lm, sws);
        for (int j = 0; j < kSubBlocks; ++j) {
            ls[j] = std::min<uint8_t>(63, ls[j]);
            lm[j] = std::min<uint8_t>(63, lm[j]);
        }
        packScaleMinK4(ls, lm, f.scales);
        f.d = floatToHalf(dBlock);
        f.dmin = floatToHalf(mBlock);
        std::copy(L + b * kQK_K, L + (b + 1) * kQK_K, f.L);
        requantizeK4(x + b * kQK_K, nmax, f);
        store(f, dst, first + b);
    }
}

} // namespace

// Codes again against the scales as stored (fp16 super-scales times 6-bit values).
void kquant::requantizeK4(const float* x, int nmax, K4Fields& f) {
    for (int j = 0; j < kSubBlocks; ++j) {
        uint8_t sc, m;
        unpackScaleMinK4(j, f.scales, sc, m);
        const float d = viaHalf(f.d) * float(sc);
        if (d == 0.0f)
            continue;
        const float dm = viaHalf(f.dmin) * float(m);
        for (int i = 0; i < kSub; ++i) {
            const int l = nearestInt((x[kSub * j + i] + dm) / d);
            f.L[kSub * j + i] = uint8_t(std::max(0, std::min(nmax, l)));
        }
    }
}

namespace {

void encodeRowK4(const float* x, std::byte* dst, int64_t n, const float* importance, int nmax,
                 AsymmetricSearch plain, StoreFn store, const LaneSearches* lanes) {
    const int64_t blocks = n / kQK_K;
    if (importance) {
        for (int64_t i = 0; i < blocks; i += kRun)
            encodeWeightedRun(x, importance, i, int(std::min<int64_t>(kRun, blocks - i)), nmax,
                              store, dst, lanes);
        return;
    }
    for (int64_t i = 0; i < blocks; ++i) {
        K4Fields f;
        searchPlain(x + i * kQK_K, nmax, plain, f);
        requantizeK4(x + i * kQK_K, nmax, f);
        store(f, dst, i);
    }
}

} // namespace

void kquant::encodeRowQ4_K(const float* x, std::byte* dst, int64_t n, const float* importance,
                           const LaneSearches* lanes) {
    encodeRowK4(x, dst, n, importance, 15, kQ4KPlainSearch, storeQ4_K, lanes);
}

void kquant::encodeRowQ5_K(const float* x, std::byte* dst, int64_t n, const float* importance,
                           const LaneSearches* lanes) {
    encodeRowK4(x, dst, n, importance, 31, kQ5KPlainSearch, storeQ5_K, lanes);
}

void quantizeRowQ4_K(const float* x, std::byte* dst, int64_t n, const float* importance) {
    kquant::encodeRowQ4_K(x, dst, n, importance, nullptr);
}

void quantizeRowQ5_K(const float* x, std::byte* dst, int64_t n, const float* importance) {
    kquant::encodeRowQ5_K(x, dst, n, importance, nullptr);
}

} // namespace ql
