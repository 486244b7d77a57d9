#include "engine/quant/ggml_legacy_importance.h"

#include "engine/core/half.h"
#include "engine/quant/formats.h"
#include "engine/quant/kquant_encode_search.h"

#include <cmath>
#include <cstring>

namespace ql {
namespace {

constexpr int kBlock = 32;

void blockWeights(const float* xb, const float* qw, float sigma2, float* weight) {
    for (int j = 0; j < kBlock; ++j)
        weight[j] = qw[j] * std::sqrt(sigma2 + xb[j] * xb[j]);
}

// Low nibbles of codes 0..15 and 16..31 in one byte each, as every legacy block packs them.
template <typename Code> void packNibbles(const Code* L, uint8_t* qs) {
    for (int j = 0; j < kBlock / 2; ++j)
        qs[j] = uint8_t((L[j] & 0x0F) | ((L[j + kBlock / 2] & 0x0F) << 4));
}

// The fifth bits of 32 codes as one little-endian word.
template <typename Code> void packFifthBits(const Code* L, uint8_t* qh) {
    uint32_t bits = 0;
    for (int j = 0; j < kBlock / 2; ++j) {
        bits |= uint32_t((L[j] & 0x10) >> 4) << j;
        bits |= uint32_t((L[j + kBlock / 2] & 0x10) >> 4) << (j + kBlock / 2);
    }
    std::memcpy(qh, &bits, sizeof bits);
}

constexpr kquant::AsymmetricSearch kLegacySearch{-0.9f, 0.05f, 36, false};

// Q4_0 / Q5_0: ggml's weighted symmetric scale search per block; codes -nmax..nmax-1 + nmax.
template <typename Block, bool kFifthBit>
void symmetricImportanceRow(const float* x, std::byte* dst, int64_t n, const float* qw, int nmax) {
    auto* y = reinterpret_cast<Block*>(dst);
    const float sigma2 = ggmlRowMeanSquare(x, n);
    float weight[kBlock];
    int8_t L[kBlock];
    for (int64_t ib = 0; ib < n / kBlock; ++ib) {
        blockWeights(x + kBlock * ib, qw + kBlock * ib, sigma2, weight);
        const float d = kquant::symmetricScaleSearch(kBlock, nmax, x + kBlock * ib, L, weight);
        y[ib].d = floatToHalf(d);
        packNibbles(L, y[ib].qs);
        if constexpr (kFifthBit)
            packFifthBits(L, y[ib].qh);
    }
}

// Q4_1 / Q5_1: ggml's weighted min/scale search per block (codes 0..nmax).
template <typename Block, bool kFifthBit>
void asymmetricImportanceRow(const float* x, std::byte* dst, int64_t n, const float* qw, int nmax) {
    auto* y = reinterpret_cast<Block*>(dst);
    const float sigma2 = ggmlRowMeanSquare(x, n);
    float weight[kBlock];
    uint8_t L[kBlock], Laux[kBlock];
    for (int64_t ib = 0; ib < n / kBlock; ++ib) {
        blockWeights(x + kBlock * ib, qw + kBlock * ib, sigma2, weight);
        float negMin = 0.0f;
        const float d = kquant::asymmetricScaleSearchRobust(kBlock, nmax, x + kBlock * ib, weight,
                                                            L, &negMin, Laux, kLegacySearch);
        y[ib].d = floatToHalf(d);
        y[ib].m = floatToHalf(-negMin);
        packNibbles(L, y[ib].qs);
        if constexpr (kFifthBit)
            packFifthBits(L, y[ib].qh);
    }
}

} // namespace

float ggmlRowMeanSquare(const float* x, int64_t n) {
    float sum = 0.0f;
    for (int64_t j = 0; j < n; ++j)
        sum += x[j] * x[j];
    return sum / float(n);
}

void quantizeRowQ4_0Importance(const float* x, std::byte* dst, int64_t n, const float* qw) {
    symmetricImportanceRow<BlockQ4_0, false>(x, dst, n, qw, 8);
}

void quantizeRowQ5_0Importance(const float* x, std::byte* dst, int64_t n, const float* qw) {
    symmetricImportanceRow<BlockQ5_0, true>(x, dst, n, qw, 16);
}

void quantizeRowQ4_1Importance(const float* x, std::byte* dst, int64_t n, const float* qw) {
    asymmetricImportanceRow<BlockQ4_1, false>(x, dst, n, qw, 15);
}

void quantizeRowQ5_1Importance(const float* x, std::byte* dst, int64_t n, const float* qw) {
    asymmetricImportanceRow<BlockQ5_1, true>(x, dst, n, qw, 31);
}

} // namespace ql
