// Q4_K's, Q5_K's, Q6_K's and IQ4_NL's CPU path: the vectorised searches
// (kquant_encode_fast_kernel.inc) for whole groups of sub-blocks, the scalar encoders' own
// steps for everything else.
#include "engine/quant/kquant_encode_fast.h"
#include "engine/quant/kquant_encode.h"
#include "engine/quant/kquant_encode_k4.h"
#include "engine/quant/kquant_encode_q6.h"

#include <algorithm>

namespace ql {
namespace {

using namespace kquant;

using SearchFn = void (*)(const float*, int, AsymmetricSearch, float*, float*, uint8_t*);
using RequantizeFn = void (*)(const float*, int, const float*, const float*, const uint8_t*,
                              uint8_t*);
using StoreFn = void (*)(const K4Fields&, std::byte*, int64_t);
using ScalarRowFn = void (*)(const float*, std::byte*, int64_t, const float*);

// What tells Q4_K and Q5_K apart: the code range, the candidates, the layout, and the
// scalar encoder that takes the blocks left over.
struct K4Format {
    int nmax;
    AsymmetricSearch search;
    StoreFn store;
    ScalarRowFn scalarRow;
    size_t blockBytes;
};
constexpr K4Format kQ4K{15, kQ4KPlainSearch, storeQ4_K, quantizeRowQ4_K, sizeof(BlockQ4_K)};
constexpr K4Format kQ5K{31, kQ5KPlainSearch, storeQ5_K, quantizeRowQ5_K, sizeof(BlockQ5_K)};

// G super-blocks (8 * G sub-blocks, one per lane) starting at block `first` of the row.
template <int G>
void encodeGroup(const K4Format& k, const float* x, std::byte* dst, int64_t first, SearchFn search,
                 RequantizeFn requantize) {
    constexpr int W = 8 * G;
    float scales[W], negMins[W], d[W], dm[W];
    uint8_t Lt[W * kK4Sub], L[W * kK4Sub];
    K4Fields f[G];
    search(x, k.nmax, k.search, scales, negMins, Lt);
    for (int b = 0; b < G; ++b) {
        quantizeScalesK4Plain(scales + 8 * b, negMins + 8 * b, f[b]);
        for (int j = 0; j < kK4SubBlocks; ++j) {
            uint8_t sc, m;
            unpackScaleMinK4(j, f[b].scales, sc, m);
            d[8 * b + j] = viaHalf(f[b].d) * float(sc);
            dm[8 * b + j] = viaHalf(f[b].dmin) * float(m);
        }
    }
    requantize(x, k.nmax, d, dm, Lt, L);
    for (int b = 0; b < G; ++b) {
        std::copy(L + b * kQK_K, L + (b + 1) * kQK_K, f[b].L);
        k.store(f[b], dst, first + b);
    }
}

void encodeRowFast(const K4Format& k, const float* x, std::byte* dst, int64_t n, SimdLevel level) {
    level = std::min(level, detectedSimdLevel());
    const int64_t blocks = n / kQK_K;
    int64_t i = 0;
    constexpr int G512 = avx512::kLanes / kK4SubBlocks, G2 = avx2::kLanes / kK4SubBlocks;
    if (level == SimdLevel::Avx512)
        for (; i + G512 <= blocks; i += G512)
            encodeGroup<G512>(k, x + i * kQK_K, dst, i, avx512::searchK4, avx512::requantizeK4);
    if (level != SimdLevel::Scalar)
        for (; i + G2 <= blocks; i += G2)
            encodeGroup<G2>(k, x + i * kQK_K, dst, i, avx2::searchK4, avx2::requantizeK4);
    if (i < blocks)
        k.scalarRow(x + i * kQK_K, dst + i * int64_t(k.blockBytes), (blocks - i) * kQK_K, nullptr);
}

// One Q6_K super-block: its 16 sub-block searches in lanes (one AVX-512 call, or two AVX2
// calls of 8), then the scalar encoder's super-block step.
void encodeQ6Block(const float* x, const float* importance, std::byte* dst, int64_t i,
                   SimdLevel level) {
    float scales[kQ6SubBlocks];
    uint8_t Lt[kQK_K];
    int8_t L[kQK_K];
    const int W = level == SimdLevel::Avx512 ? avx512::kLanes : avx2::kLanes;
    for (int first = 0; first < kQ6SubBlocks; first += W) {
        const float* xs = x + first * kQ6Sub;
        const float* imp = importance ? importance + first * kQ6Sub : nullptr;
        if (level == SimdLevel::Avx512)
            avx512::searchQ6K(xs, imp, 32, scales + first, Lt);
        else
            avx2::searchQ6K(xs, imp, 32, scales + first, Lt);
        for (int k = 0; k < W; ++k) // back to sub-block order
            for (int v = 0; v < kQ6Sub; ++v)
                L[(first + k) * kQ6Sub + v] = int8_t(Lt[v * W + k]);
    }
    BlockQ6_K b{};
    if (!finishQ6Block(x, scales, L, b))
        b = BlockQ6_K{};
    storeBlock(dst, i, b);
}

// W IQ4_NL blocks from block `first` of the row: the searches in lanes, then each block's
// fp16 scale and packed codes as iq4_nl_encode.cpp stores them.
template <int W>
void encodeIQ4NLGroup(const float* x, const float* importance, std::byte* dst, int64_t first,
                      void (*search)(const float*, const float*, float*, uint8_t*)) {
    constexpr int kBlock = 32;
    float d[W];
    uint8_t Lt[W * kBlock];
    search(x, importance, d, Lt);
    for (int k = 0; k < W; ++k) {
        BlockIQ4_NL b{};
        b.d = floatToHalf(d[k]);
        for (int j = 0; j < 16; ++j)
            b.qs[j] = uint8_t(Lt[j * W + k] | (Lt[(j + 16) * W + k] << 4));
        storeBlock(dst, first + k, b);
    }
}

} // namespace

SimdLevel detectedSimdLevel() {
    static const SimdLevel level = [] {
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx512f"))
            return SimdLevel::Avx512;
        if (__builtin_cpu_supports("avx2"))
            return SimdLevel::Avx2;
        return SimdLevel::Scalar;
    }();
    return level;
}

void quantizeRowQ4_KFast(const float* x, std::byte* dst, int64_t n, SimdLevel level) {
    encodeRowFast(kQ4K, x, dst, n, level);
}

void quantizeRowQ4_KFast(const float* x, std::byte* dst, int64_t n) {
    quantizeRowQ4_KFast(x, dst, n, detectedSimdLevel());
}

void quantizeRowQ5_KFast(const float* x, std::byte* dst, int64_t n, SimdLevel level) {
    encodeRowFast(kQ5K, x, dst, n, level);
}

void quantizeRowQ5_KFast(const float* x, std::byte* dst, int64_t n) {
    quantizeRowQ5_KFast(x, dst, n, detectedSimdLevel());
}

void quantizeRowQ6_KFast(const float* x, std::byte* dst, int64_t n, SimdLevel level,
                         const float* importance) {
    level = std::min(level, detectedSimdLevel());
    if (level == SimdLevel::Scalar)
        return quantizeRowQ6_K(x, dst, n, importance);
    for (int64_t i = 0; i < n / kQK_K; ++i)
        encodeQ6Block(x + i * kQK_K, importance ? importance + i * kQK_K : nullptr, dst, i, level);
}

void quantizeRowQ6_KFast(const float* x, std::byte* dst, int64_t n, SimdLevel level) {
    quantizeRowQ6_KFast(x, dst, n, level, nullptr);
}

void quantizeRowQ6_KFast(const float* x, std::byte* dst, int64_t n) {
    quantizeRowQ6_KFast(x, dst, n, detectedSimdLevel(), nullptr);
}

void quantizeRowIQ4_NLFast(const float* x, std::byte* dst, int64_t n, SimdLevel level,
                           const float* importance) {
    level = std::min(level, detectedSimdLevel());
    constexpr int kBlock = 32;
    const int64_t blocks = n / kBlock;
    const auto imp = [&](int64_t i) { return importance ? importance + i * kBlock : nullptr; };
    int64_t i = 0;
    if (level == SimdLevel::Avx512)
        for (; i + avx512::kLanes <= blocks; i += avx512::kLanes)
            encodeIQ4NLGroup<avx512::kLanes>(x + i * kBlock, imp(i), dst, i, avx512::searchIQ4NL);
    if (level != SimdLevel::Scalar)
        for (; i + avx2::kLanes <= blocks; i += avx2::kLanes)
            encodeIQ4NLGroup<avx2::kLanes>(x + i * kBlock, imp(i), dst, i, avx2::searchIQ4NL);
    if (i < blocks)
        quantizeRowIQ4_NL(x + i * kBlock, dst + i * int64_t(sizeof(BlockIQ4_NL)),
                          (blocks - i) * kBlock, imp(i));
}

void quantizeRowIQ4_NLFast(const float* x, std::byte* dst, int64_t n, SimdLevel level) {
    quantizeRowIQ4_NLFast(x, dst, n, level, nullptr);
}

void quantizeRowIQ4_NLFast(const float* x, std::byte* dst, int64_t n) {
    quantizeRowIQ4_NLFast(x, dst, n, detectedSimdLevel(), nullptr);
}

} // namespace ql
