// The searched encoders' CPU path: the vectorised searches (kquant_encode_fast_kernel.inc)
// for whole groups of sub-blocks (or blocks), the scalar encoders' own steps for
// everything else.
#include "engine/quant/kquant_encode_fast.h"
#include "engine/quant/kquant_encode.h"
#include "engine/quant/kquant_encode_k4.h"
#include "engine/quant/kquant_encode_lanes.h"

#include <algorithm>
#include <stdexcept>

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

// `level` is at most the CPU's (quantizeRowInLanes sees to it).
void encodeRowFast(const K4Format& k, const float* x, std::byte* dst, int64_t n, SimdLevel level) {
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

// Lt (code i of group k at Lt[i * W + k]) back in group order.
template <int W, typename Code> void untranspose(const uint8_t* Lt, int n, Code* L) {
    for (int k = 0; k < W; ++k)
        for (int i = 0; i < n; ++i)
            L[k * n + i] = Code(Lt[i * W + k]);
}

// Groups [0, count) through the lanes: 16 at a time on AVX-512 (then 8 on AVX2) or 8 on
// AVX2 alone; wide(g, Lt) and narrow(g, Lt) search groups from g into Lt (transposed),
// which goes back to group order in L. Returns the groups done: none unless n is 16 or 32,
// the lengths the kernels are compiled for.
template <bool kAvx512, typename Code, typename Wide, typename Narrow>
int laneGroups(int count, int n, Code* L, Wide wide, Narrow narrow) {
    uint8_t Lt[avx512::kLanes * 32];
    int g = 0;
    if (n != 16 && n != 32)
        return 0;
    if constexpr (kAvx512)
        for (; g + avx512::kLanes <= count; g += avx512::kLanes) {
            wide(g, Lt);
            untranspose<avx512::kLanes>(Lt, n, L + g * n);
        }
    for (; g + avx2::kLanes <= count; g += avx2::kLanes) {
        narrow(g, Lt);
        untranspose<avx2::kLanes>(Lt, n, L + g * n);
    }
    return g;
}

// LaneSearches (kquant_encode_search.h) on AVX-512 or AVX2. The asymmetric searches need
// the caller's weights and at least one candidate (the scalar search returns the first fit
// when nstep < 1, the kernel has no such exit): otherwise, none.
template <bool kAvx512>
int asymmetricInLanes(int count, int n, const float* x, const float* weights, int nmax,
                      AsymmetricSearch s, bool robust, float* scales, float* negMins, uint8_t* L) {
    if (!weights || s.nstep < 1)
        return 0;
    const auto at = [&](auto search) {
        return [=](int g, uint8_t* Lt) {
            search(n, x + g * n, weights + g * n, nmax, s, robust, scales + g, negMins + g, Lt);
        };
    };
    return laneGroups<kAvx512>(count, n, L, at(avx512::searchAsymmetric),
                               at(avx2::searchAsymmetric));
}

template <bool kAvx512>
int symmetricInLanes(int count, int n, const float* x, const float* weights, int nmax,
                     float* scales, int8_t* L) {
    const auto at = [&](auto search) {
        return [=](int g, uint8_t* Lt) {
            search(n, x + g * n, weights ? weights + g * n : nullptr, nmax, scales + g, Lt);
        };
    };
    return laneGroups<kAvx512>(count, n, L, at(avx512::searchSymmetric), at(avx2::searchSymmetric));
}

template <bool kAvx512>
int refineInLanes(int count, int n, const float* x, int nmax, float* scales, int8_t* L) {
    const auto at = [&](auto refine) {
        return [=](int g, uint8_t* Lt) { refine(n, x + g * n, nmax, scales + g, Lt); };
    };
    return laneGroups<kAvx512>(count, n, L, at(avx512::refineSymmetric), at(avx2::refineSymmetric));
}

constexpr LaneSearches kAvx2Searches{asymmetricInLanes<false>, symmetricInLanes<false>,
                                     refineInLanes<false>};
constexpr LaneSearches kAvx512Searches{asymmetricInLanes<true>, symmetricInLanes<true>,
                                       refineInLanes<true>};

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

void encodeRowIQ4_NL(const float* x, std::byte* dst, int64_t n, SimdLevel level,
                     const float* importance) {
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

} // namespace

const LaneSearches* kquant::laneSearches(SimdLevel level) {
    level = std::min(level, detectedSimdLevel());
    return level == SimdLevel::Avx512 ? &kAvx512Searches
           : level == SimdLevel::Avx2 ? &kAvx2Searches
                                      : nullptr;
}

void quantizeRowInLanes(DType type, const float* x, std::byte* dst, int64_t n,
                        const float* importance, SimdLevel level) {
    level = std::min(level, detectedSimdLevel());
    const LaneSearches* lanes = laneSearches(level);
    switch (type) {
    case DType::Q2_K:
        return encodeRowQ2_K(x, dst, n, importance, lanes);
    case DType::Q3_K:
        return encodeRowQ3_K(x, dst, n, importance, lanes);
    case DType::Q4_K:
        return importance ? encodeRowQ4_K(x, dst, n, importance, lanes)
                          : encodeRowFast(kQ4K, x, dst, n, level);
    case DType::Q5_K:
        return importance ? encodeRowQ5_K(x, dst, n, importance, lanes)
                          : encodeRowFast(kQ5K, x, dst, n, level);
    case DType::Q6_K:
        return encodeRowQ6_K(x, dst, n, importance, lanes);
    case DType::IQ4_NL:
        return encodeRowIQ4_NL(x, dst, n, level, importance);
    case DType::Q4_0:
    case DType::Q4_1:
    case DType::Q5_0:
    case DType::Q5_1:
        if (importance)
            return encodeRowLegacyImportance(type, x, dst, n, importance, lanes);
        break;
    default:
        break;
    }
    throw std::logic_error("quantizeRowInLanes: no searched encoder for this type");
}

} // namespace ql
