// Q2_K (16 sub-blocks of 16, 2-bit codes with a 4-bit scale and min each) and Q3_K
// (16 sub-blocks of 16, signed 3-bit codes with a 6-bit scale each).
#include "engine/quant/kquant_encode.h"
#include "engine/quant/kquant_encode_blocks.h"
#include "engine/quant/kquant_encode_lanes.h"
#include "engine/quant/kquant_encode_search.h"

#include <algorithm>
#include <cmath>

namespace ql {
namespace {

using namespace kquant;

constexpr int kSub = 16, kSubBlocks = kQK_K / kSub;

// ---- Q2_K ---------------------------------------------------------------------------

constexpr AsymmetricSearch kQ2PlainSearch{-0.5f, 0.1f, 15, true};
constexpr AsymmetricSearch kQ2WeightedSearch{-0.9f, 0.05f, 36, false};

// Without importance: |x| weights, absolute-error search, scales and mins on a grid of
// 15 steps up to their maxima.
void searchQ2Plain(const float* x, uint8_t* L, BlockQ2_K& b, const LaneSearches* lanes) {
    float scales[kSubBlocks], mins[kSubBlocks], weights[kQK_K];
    for (int l = 0; l < kQK_K; ++l)
        weights[l] = std::fabs(x[l]);
    asymmetricScaleSearches(lanes, kSubBlocks, kSub, x, weights, 3, kQ2PlainSearch, false, scales,
                            mins, L);
    float maxScale = 0.0f, maxMin = 0.0f;
    for (int j = 0; j < kSubBlocks; ++j) {
        maxScale = std::max(maxScale, scales[j]);
        maxMin = std::max(maxMin, mins[j]);
    }
    if (maxScale > 0.0f) {
        const float iscale = 15.0f / maxScale;
        for (int j = 0; j < kSubBlocks; ++j)
            b.scales[j] = uint8_t(nearestInt(iscale * scales[j]));
        b.d = floatToHalf(maxScale / 15.0f);
    } else {
        std::fill(b.scales, b.scales + kSubBlocks, uint8_t(0));
        b.d = floatToHalf(0.0f);
    }
    if (maxMin > 0.0f) {
        const float iscale = 15.0f / maxMin;
        for (int j = 0; j < kSubBlocks; ++j)
            b.scales[j] = uint8_t(b.scales[j] | (nearestInt(iscale * mins[j]) << 4));
        b.dmin = floatToHalf(maxMin / 15.0f);
    } else {
        b.dmin = floatToHalf(0.0f);
    }
}

// With importance: weights imp * sqrt(sigma2 + x^2), squared-error search, and the
// 4-bit scales and mins chosen by a weighted search of their own.
void searchQ2Weighted(const float* x, const float* imp, uint8_t* L, BlockQ2_K& b,
                      const LaneSearches* lanes) {
    float scales[kSubBlocks], mins[kSubBlocks], sw[kSubBlocks], weights[kQK_K];
    uint8_t ls[kSubBlocks], lm[kSubBlocks];
    importanceWeights(kQK_K, x, imp, 1.0f, kSub, weights, sw);
    asymmetricScaleSearches(lanes, kSubBlocks, kSub, x, weights, 3, kQ2WeightedSearch, true, scales,
                            mins, L);
    b.d = floatToHalf(positiveScaleSearch(kSubBlocks, 15, scales, ls, sw));
    b.dmin = floatToHalf(positiveScaleSearch(kSubBlocks, 15, mins, lm, sw));
    for (int j = 0; j < kSubBlocks; ++j)
        b.scales[j] = uint8_t(ls[j] | (lm[j] << 4));
}

} // namespace

void kquant::encodeRowQ2_K(const float* x, std::byte* dst, int64_t n, const float* importance,
                           const LaneSearches* lanes) {
    for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
        BlockQ2_K b{};
        uint8_t L[kQK_K] = {};
        if (importance)
            searchQ2Weighted(x, importance + i * kQK_K, L, b, lanes);
        else
            searchQ2Plain(x, L, b, lanes);
        const float dAll = viaHalf(b.d), mAll = viaHalf(b.dmin);
        for (int j = 0; j < kSubBlocks; ++j) {
            const float d = dAll * float(b.scales[j] & 0xF);
            if (d == 0.0f)
                continue;
            const float m = mAll * float(b.scales[j] >> 4);
            for (int l = 0; l < kSub; ++l) {
                const int q = nearestInt((x[kSub * j + l] + m) / d);
                L[kSub * j + l] = uint8_t(std::max(0, std::min(3, q)));
            }
        }
        packTwoBitPlanes(L, b.qs);
        storeBlock(dst, i, b);
    }
}

void quantizeRowQ2_K(const float* x, std::byte* dst, int64_t n, const float* importance) {
    kquant::encodeRowQ2_K(x, dst, n, importance, nullptr);
}

namespace {

// ---- Q3_K ---------------------------------------------------------------------------

// 16 six-bit scales (offset 32): low nibbles two per byte in 0..7, top two bits in 8..11.
void packScalesQ3(const int* l6, uint8_t* scales) {
    std::fill(scales, scales + 12, uint8_t(0));
    for (int j = 0; j < kSubBlocks; ++j) {
        const int l = l6[j];
        if (j < 8)
            scales[j] = uint8_t(l & 0xF);
        else
            scales[j - 8] = uint8_t(scales[j - 8] | ((l & 0xF) << 4));
        scales[j % 4 + 8] = uint8_t(scales[j % 4 + 8] | ((l >> 4) << (2 * (j / 4))));
    }
}

int unpackScaleQ3(const uint8_t* scales, int j) {
    const int low = j < 8 ? scales[j] & 0xF : scales[j - 8] >> 4;
    return (low | (((scales[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
}

// Without importance: make_q3_quants per sub-block, the scales rounded on a signed grid
// of 32 steps against the one of largest magnitude.
void searchQ3Plain(const float* x, int8_t* L, BlockQ3_K& b, const LaneSearches* lanes) {
    float scales[kSubBlocks];
    float maxScale = 0.0f, amax = 0.0f;
    symmetricScaleRefines(lanes, kSubBlocks, kSub, x, 4, scales, L);
    for (int j = 0; j < kSubBlocks; ++j) {
        if (std::fabs(scales[j]) > amax) {
            amax = std::fabs(scales[j]);
            maxScale = scales[j];
        }
    }
    int l6[kSubBlocks] = {};
    if (maxScale != 0.0f) {
        const float iscale = -32.0f / maxScale;
        for (int j = 0; j < kSubBlocks; ++j) {
            const int8_t l = int8_t(nearestInt(iscale * scales[j]));
            l6[j] = std::max(-32, std::min(31, int(l))) + 32;
        }
        packScalesQ3(l6, b.scales);
        b.d = floatToHalf(1.0f / iscale);
    } else {
        std::fill(b.scales, b.scales + 12, uint8_t(0));
        b.d = floatToHalf(0.0f);
    }
}

// With importance: weighted make_qx_quants per sub-block and again for the scales.
void searchQ3Weighted(const float* x, const float* imp, int8_t* L, BlockQ3_K& b,
                      const LaneSearches* lanes) {
    float scales[kSubBlocks], sw[kSubBlocks], weights[kQK_K];
    importanceWeights(kQK_K, x, imp, 2.0f, kSub, weights, sw);
    symmetricScaleSearches(lanes, kSubBlocks, kSub, x, weights, 4, scales, L);
    int8_t Ls[kSubBlocks];
    const float dBlock = symmetricScaleSearch(kSubBlocks, 32, scales, Ls, sw);
    int l6[kSubBlocks];
    for (int j = 0; j < kSubBlocks; ++j)
        l6[j] = Ls[j];
    packScalesQ3(l6, b.scales);
    b.d = floatToHalf(dBlock);
}

// Codes 0..7 (value + 4): the high bit of value j goes to hmask[j % 32] bit j / 32, the
// low two bits to qs. Without a branch: which codes exceed 3 is data, and mispredicting it
// cost as much as the search.
void packQ3(const int8_t* L, BlockQ3_K& b) {
    uint8_t low[kQK_K];
    for (int j = 0; j < kQK_K; ++j) {
        const int l = L[j];
        b.hmask[j % 32] = uint8_t(b.hmask[j % 32] | (((l >> 2) & 1) << (j / 32)));
        low[j] = uint8_t(l & 3);
    }
    packTwoBitPlanes(low, b.qs);
}

} // namespace

void kquant::encodeRowQ3_K(const float* x, std::byte* dst, int64_t n, const float* importance,
                           const LaneSearches* lanes) {
    for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
        BlockQ3_K b{};
        int8_t L[kQK_K] = {};
        if (importance)
            searchQ3Weighted(x, importance + i * kQK_K, L, b, lanes);
        else
            searchQ3Plain(x, L, b, lanes);
        const float dAll = viaHalf(b.d);
        for (int j = 0; j < kSubBlocks; ++j) {
            const float d = dAll * float(unpackScaleQ3(b.scales, j));
            if (d == 0.0f)
                continue;
            for (int l = 0; l < kSub; ++l) {
                const int q = nearestInt(x[kSub * j + l] / d);
                L[kSub * j + l] = int8_t(std::max(-4, std::min(3, q)) + 4);
            }
        }
        packQ3(L, b);
        storeBlock(dst, i, b);
    }
}

void quantizeRowQ3_K(const float* x, std::byte* dst, int64_t n, const float* importance) {
    kquant::encodeRowQ3_K(x, dst, n, importance, nullptr);
}

} // namespace ql
