// IQ4_NL: blocks of 32, one fp16 scale, 4-bit indices into the non-linear code book
// kIQ4NLValues (quantize_iq4_nl / quantize_row_iq4_nl_impl with ntry = 7).
#include "engine/quant/kquant_encode.h"
#include "engine/quant/kquant_encode_blocks.h"
#include "engine/quant/kquant_encode_search.h"

#include <cmath>

namespace ql {
namespace {

using namespace kquant;

constexpr int kBlock = 32, kTries = 7;

// The code book entry nearest to x (the upper one on an exact tie), by bisection of the
// sorted values as ggml's best_index_int8 does.
int nearestCode(float x) {
    const int8_t* v = kIQ4NLValues;
    if (x <= float(v[0]))
        return 0;
    if (x >= float(v[15]))
        return 15;
    int lo = 0, hi = 15;
    while (hi - lo > 1) {
        const int mid = (lo + hi) / 2;
        if (x < float(v[mid]))
            hi = mid;
        else
            lo = mid;
    }
    return x - float(v[hi - 1]) < float(v[hi]) - x ? hi - 1 : hi;
}

// Weighted sums of q*x and q*q for the codes of inverse scale id; codes into L if given.
void codeSums(const float* x, const float* w, float id, float& sumqx, float& sumq2, uint8_t* L) {
    sumqx = 0.0f;
    sumq2 = 0.0f;
    for (int j = 0; j < kBlock; ++j) {
        const int l = nearestCode(id * x[j]);
        if (L)
            L[j] = uint8_t(l);
        const float q = float(kIQ4NLValues[l]);
        sumqx += w[j] * q * x[j];
        sumq2 += w[j] * q * q;
    }
}

// The least-squares scale of the best of 2 * kTries + 2 candidate grids.
float searchScale(const float* x, const float* w) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < kBlock; ++j) {
        if (std::fabs(x[j]) > amax) {
            amax = std::fabs(x[j]);
            max = x[j];
        }
    }
    if (amax < kGroupMaxEps)
        return 0.0f;
    const float first = -max / float(kIQ4NLValues[0]);
    float sumqx, sumq2;
    codeSums(x, w, 1.0f / first, sumqx, sumq2, nullptr);
    float d = sumq2 > 0.0f ? sumqx / sumq2 : 0.0f;
    float best = d * sumqx;
    for (int itry = -kTries; itry <= kTries; ++itry) {
        const float id = float(itry + kIQ4NLValues[0]) / max;
        codeSums(x, w, id, sumqx, sumq2, nullptr);
        if (sumq2 > 0.0f && sumqx * sumqx > best * sumq2) {
            d = sumqx / sumq2;
            best = d * sumqx;
        }
    }
    return d;
}

void encodeBlock(const float* x, const float* imp, BlockIQ4_NL& b) {
    float sigma2 = 0.0f;
    for (int j = 0; j < kBlock; ++j)
        sigma2 += x[j] * x[j];
    sigma2 *= 2.0f / float(kBlock);
    float w[kBlock];
    for (int j = 0; j < kBlock; ++j)
        w[j] = imp ? imp[j] * std::sqrt(sigma2 + x[j] * x[j]) : x[j] * x[j];
    const float d = searchScale(x, w);
    b.d = floatToHalf(d);
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    uint8_t L[kBlock];
    for (int j = 0; j < kBlock; ++j)
        L[j] = uint8_t(nearestCode(id * x[j]));
    for (int j = 0; j < 16; ++j)
        b.qs[j] = uint8_t(L[j] | (L[j + 16] << 4));
}

} // namespace

void quantizeRowIQ4_NL(const float* x, std::byte* dst, int64_t n, const float* importance) {
    for (int64_t i = 0; i < n / kBlock; ++i) {
        BlockIQ4_NL b{};
        encodeBlock(x + i * kBlock, importance ? importance + i * kBlock : nullptr, b);
        storeBlock(dst, i, b);
    }
}

} // namespace ql
