// Q6_K: 16 sub-blocks of 16, signed 6-bit codes with an int8 scale each and one fp16
// super-scale.
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

// ql: low nibbles, values l and l+64 of each 128-half share a byte (l+32 and l+96 the
// byte 32 further); qh: the two high bits of l, l+32, l+64, l+96 in one byte.
void packQ6(const int8_t* L, BlockQ6_K& b) {
    for (int half = 0; half < 2; ++half) {
        const int8_t* h = L + 128 * half;
        uint8_t* ql = b.ql + 64 * half;
        uint8_t* qh = b.qh + 32 * half;
        for (int l = 0; l < 32; ++l) {
            ql[l] = uint8_t((h[l] & 0xF) | ((h[l + 64] & 0xF) << 4));
            ql[l + 32] = uint8_t((h[l + 32] & 0xF) | ((h[l + 96] & 0xF) << 4));
            qh[l] = uint8_t((h[l] >> 4) | ((h[l + 32] >> 4) << 2) | ((h[l + 64] >> 4) << 4) |
                            ((h[l + 96] >> 4) << 6));
        }
    }
}

// After the 16 sub-block searches (scales, and codes + 32 in L, sub-block by sub-block):
// the int8 scales under one fp16 d, the codes again against them, packed into b. False
// when the super-block is all (near) zeros (b is then left for the caller to zero).
bool finishQ6Block(const float* x, const float* scales, int8_t* L, BlockQ6_K& b) {
    float maxScale = 0.0f, maxAbsScale = 0.0f;
    for (int ib = 0; ib < kSubBlocks; ++ib) {
        if (std::fabs(scales[ib]) > maxAbsScale) {
            maxAbsScale = std::fabs(scales[ib]);
            maxScale = scales[ib];
        }
    }
    if (maxAbsScale < kGroupMaxEps)
        return false;
    const float iscale = -128.0f / maxScale;
    b.d = floatToHalf(1.0f / iscale);
    for (int ib = 0; ib < kSubBlocks; ++ib)
        b.scales[ib] = int8_t(std::min(127, nearestInt(iscale * scales[ib])));
    const float dAll = viaHalf(b.d);
    for (int j = 0; j < kSubBlocks; ++j) {
        const float d = dAll * float(b.scales[j]);
        if (d == 0.0f)
            continue;
        for (int i = 0; i < kSub; ++i) {
            const int l = nearestInt(x[kSub * j + i] / d);
            L[kSub * j + i] = int8_t(std::max(-32, std::min(31, l)) + 32);
        }
    }
    packQ6(L, b);
    return true;
}

// One super-block; false when it is all (near) zeros and b stays zero.
bool encodeQ6Block(const float* x, const float* imp, BlockQ6_K& b, const LaneSearches* lanes) {
    int8_t L[kQK_K];
    float scales[kSubBlocks];
    // With importance ggml weights each value by the importance alone here.
    symmetricScaleSearches(lanes, kSubBlocks, kSub, x, imp, 32, scales, L);
    return finishQ6Block(x, scales, L, b);
}

} // namespace

void kquant::encodeRowQ6_K(const float* x, std::byte* dst, int64_t n, const float* importance,
                           const LaneSearches* lanes) {
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        BlockQ6_K b{};
        const float* imp = importance ? importance + i * kQK_K : nullptr;
        if (!encodeQ6Block(x + i * kQK_K, imp, b, lanes))
            b = BlockQ6_K{};
        storeBlock(dst, i, b);
    }
}

void quantizeRowQ6_K(const float* x, std::byte* dst, int64_t n, const float* importance) {
    kquant::encodeRowQ6_K(x, dst, n, importance, nullptr);
}

} // namespace ql
