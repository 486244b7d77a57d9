#include "engine/compute/cpu/quantize_cpu_avx512.h"

#if defined(__x86_64__)
#include "engine/quant/nf4.h"

#include <algorithm>
#include <cmath>
// GCC 12's AVX-512 intrinsics pass _mm512_undefined_*() through as the unmasked lanes'
// source, which -Wmaybe-uninitialized reports at every use; nothing here reads it.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include <initializer_list>

// After the includes: only this file's own functions get AVX-512 code.
#pragma GCC target("avx512f")

namespace ql {

bool cpuHasAvx512() {
    static const bool has = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") != 0;
    }();
    return has;
}

namespace {

__m512i shiftRight(__m512i v, unsigned count) {
    return _mm512_srli_epi32(v, count);
}

// Lanes of a 16-entry table, zeros after v.
__m512 table16(std::initializer_list<float> v) {
    alignas(64) float lanes[16] = {};
    std::copy(v.begin(), v.end(), lanes);
    return _mm512_load_ps(lanes);
}

} // namespace

void encodeFp8Avx512(const float* x, uint8_t* codes, int64_t n, Fp8Kind kind, float scale) {
    const Fp8Bits b = fp8Bits(kind);
    const int shift = 23 - b.mantissaBits;
    const __m512 vscale = _mm512_set1_ps(scale);
    const __m512 subScale = _mm512_set1_ps(float(1 << (b.bias + b.mantissaBits - 1)));
    const __m512i absMask = _mm512_set1_epi32(0x7fffffff), one = _mm512_set1_epi32(1);
    const __m512i roundBias = _mm512_set1_epi32((1 << (shift - 1)) - 1);
    const __m512i rebias = _mm512_set1_epi32((127 - b.bias) << b.mantissaBits);
    const __m512i minNormal = _mm512_set1_epi32(int32_t(b.minNormalBits));
    const __m512i maxBelow = _mm512_set1_epi32(int32_t(b.maxFiniteBits) - 1);
    const __m512i maxCode = _mm512_set1_epi32(b.maxCode), nanCode = _mm512_set1_epi32(b.nanCode);
    const __m512i infBits = _mm512_set1_epi32(0x7f800000), signBit = _mm512_set1_epi32(0x80);
    for (int64_t j = 0; j + 16 <= n; j += 16) {
        // Per-tensor scales read the rows from memory here: the line 2 KiB ahead.
        _mm_prefetch(reinterpret_cast<const char*>(x + j + 512), _MM_HINT_T0);
        const __m512i u = _mm512_castps_si512(_mm512_div_ps(_mm512_loadu_ps(x + j), vscale));
        const __m512i sign = _mm512_and_si512(shiftRight(u, 24), signBit);
        const __m512i a = _mm512_and_si512(u, absMask);
        // Normal: round the mantissa half to even at `shift`, a carry bumps the exponent.
        const __m512i odd = _mm512_and_si512(shiftRight(a, shift), one);
        const __m512i rounded = _mm512_add_epi32(_mm512_add_epi32(a, roundBias), odd);
        __m512i m = _mm512_sub_epi32(shiftRight(rounded, shift), rebias);
        // Subnormal: an exact power-of-two scaling, then round to even.
        const __mmask16 isSub = _mm512_cmplt_epi32_mask(a, minNormal);
        m = _mm512_mask_mov_epi32(
            m, isSub, _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_castsi512_ps(a), subScale)));
        m = _mm512_mask_mov_epi32(m, _mm512_cmpgt_epi32_mask(a, maxBelow), maxCode);
        m = _mm512_or_si512(m, sign);
        m = _mm512_mask_mov_epi32(m, _mm512_cmpgt_epi32_mask(a, infBits), nanCode);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(codes + j), _mm512_cvtepi32_epi8(m));
    }
}

namespace {

// idx * 2 + (v > table[idx]).
__m512i nf4Step(__m512 v, __m512 table, __m512i idx) {
    const __m512i twice = _mm512_add_epi32(idx, idx);
    const __mmask16 gt = _mm512_cmp_ps_mask(v, _mm512_permutexvar_ps(idx, table), _CMP_GT_OQ);
    return _mm512_mask_add_epi32(twice, gt, twice, _mm512_set1_epi32(1));
}

// quantize_cpu_avx2.cpp's four-level search over the 15 ascending thresholds, each level
// a table indexed by the bits found so far; NaN compares false at every level: code 0.
struct Nf4Search512 {
    __m512 level1, level2, level3, level4;

    Nf4Search512() {
        const auto& t = nf4Thresholds();
        level1 = _mm512_set1_ps(t[7]);
        level2 = table16({t[3], t[11]});
        level3 = table16({t[1], t[5], t[9], t[13]});
        level4 = table16({t[0], t[2], t[4], t[6], t[8], t[10], t[12], t[14]});
    }

    void encode(const float* x, int64_t n, float inv, int8_t* codes) const {
        const __m512 vinv = _mm512_set1_ps(inv);
        for (int64_t j = 0; j + 16 <= n; j += 16) {
            const __m512 v = _mm512_mul_ps(_mm512_loadu_ps(x + j), vinv);
            __m512i idx = _mm512_maskz_mov_epi32(_mm512_cmp_ps_mask(v, level1, _CMP_GT_OQ),
                                                 _mm512_set1_epi32(1));
            idx = nf4Step(v, level2, idx);
            idx = nf4Step(v, level3, idx);
            idx = nf4Step(v, level4, idx);
            _mm_storeu_si128(reinterpret_cast<__m128i*>(codes + j), _mm512_cvtepi32_epi8(idx));
        }
    }
};

// max |x[j]|, prefetching the line 2 KiB ahead (the row's first pass over memory).
float absMax512(const float* x, int64_t n) {
    const __m512i absMask = _mm512_set1_epi32(0x7fffffff);
    __m512 m = _mm512_setzero_ps();
    int64_t j = 0;
    for (; j + 16 <= n; j += 16) {
        _mm_prefetch(reinterpret_cast<const char*>(x + j + 512), _MM_HINT_T0);
        m = _mm512_max_ps(m, _mm512_castsi512_ps(_mm512_and_si512(
                                 _mm512_castps_si512(_mm512_loadu_ps(x + j)), absMask)));
    }
    float r = _mm512_reduce_max_ps(m);
    for (; j < n; ++j)
        r = std::max(r, std::fabs(x[j]));
    return r;
}

} // namespace

void encodeNf4Avx512(const float* x, int64_t n, float inv, int8_t* codes) {
    const Nf4Search512 search;
    search.encode(x, n, inv, codes);
}

void quantizeRowNf4Avx512(const float* x, int64_t cols, int64_t groupLen, int8_t* codes,
                          float* scales) {
    const Nf4Search512 search;
    for (int64_t begin = 0, g = 0; begin < cols; begin += groupLen, ++g) {
        const int64_t n = std::min(cols, begin + groupLen) - begin;
        const float absmax = absMax512(x + begin, n);
        const float inv = 1.0f / absmax; // bnb: inf for a zero block, as groupParams
        const int64_t vectorised = n / 16 * 16;
        search.encode(x + begin, vectorised, inv, codes + begin);
        for (int64_t j = vectorised; j < n; ++j)
            codes[begin + j] = int8_t(nf4Code(x[begin + j] * inv));
        scales[g] = absmax;
    }
}

} // namespace ql
#else
namespace ql {
bool cpuHasAvx512() {
    return false;
}
void encodeFp8Avx512(const float*, uint8_t*, int64_t, Fp8Kind, float) {}
void encodeNf4Avx512(const float*, int64_t, float, int8_t*) {}
void quantizeRowNf4Avx512(const float*, int64_t, int64_t, int8_t*, float*) {}
} // namespace ql
#endif
