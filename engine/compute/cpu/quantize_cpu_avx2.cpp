#include "engine/compute/cpu/quantize_cpu_avx2.h"

#if defined(__x86_64__)
#include "engine/quant/nf4.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <immintrin.h>

// After the includes: only this file's own functions get AVX2 code, never an inline
// library function another file could end up linking.
#pragma GCC target("avx2")

namespace ql {

bool cpuHasAvx2() {
    static const bool has = __builtin_cpu_supports("avx2");
    return has;
}

namespace {

// Eight int32 lanes (values that fit a byte) to eight bytes.
void storeBytes8(void* dst, __m256i v) {
    const __m128i lo = _mm256_castsi256_si128(v), hi = _mm256_extracti128_si256(v, 1);
    const __m128i w = _mm_packs_epi32(lo, hi);
    _mm_storel_epi64(static_cast<__m128i*>(dst), _mm_packus_epi16(w, w));
}

// Eight int32 lanes in [-128, 127] to eight signed bytes.
void storeSignedBytes8(void* dst, __m256i v) {
    const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64(static_cast<__m128i*>(dst), _mm_packs_epi16(w, w));
}

__m256i select8(__m256i mask, __m256i a, __m256i b) {
    return _mm256_blendv_epi8(b, a, mask);
}

// idx * 2 + (v > table[idx]): the compare is all ones (-1) where true.
__m256i nf4SearchStep(__m256 v, __m256 table, __m256i idx) {
    const __m256 th = _mm256_permutevar8x32_ps(table, idx);
    const __m256i gt = _mm256_castps_si256(_mm256_cmp_ps(v, th, _CMP_GT_OQ));
    return _mm256_sub_epi32(_mm256_add_epi32(idx, idx), gt);
}

// A branch-free binary search over the 15 thresholds, four compares instead of fifteen:
// level k looks up, per lane, the threshold that splits the lane's remaining range (a
// table of 2^(k-1) thresholds indexed by the bits found so far) and appends one bit.
// The thresholds ascend strictly, so the result is the count of thresholds below v
// (v > t, NaN below all of them), bit for bit the SSE2 count and bnb's tree.
struct Nf4Search {
    __m256 level1, level2, level3, level4;

    Nf4Search() {
        const auto& t = nf4Thresholds();
        level1 = _mm256_set1_ps(t[7]);
        level2 = _mm256_setr_ps(t[3], t[11], 0, 0, 0, 0, 0, 0);
        level3 = _mm256_setr_ps(t[1], t[5], t[9], t[13], 0, 0, 0, 0);
        level4 = _mm256_setr_ps(t[0], t[2], t[4], t[6], t[8], t[10], t[12], t[14]);
    }

    void encode(const float* x, int64_t n, float inv, int8_t* codes) const {
        const __m256 vinv = _mm256_set1_ps(inv);
        for (int64_t j = 0; j + 8 <= n; j += 8) {
            const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + j), vinv);
            __m256i idx = _mm256_sub_epi32(
                _mm256_setzero_si256(), _mm256_castps_si256(_mm256_cmp_ps(v, level1, _CMP_GT_OQ)));
            idx = nf4SearchStep(v, level2, idx);
            idx = nf4SearchStep(v, level3, idx);
            storeBytes8(codes + j, nf4SearchStep(v, level4, idx));
        }
    }
};

// max(|x|) in two eight-lane accumulators; max is exact, so any order gives the same value.
inline float absMax(const float* x, int64_t n) {
    const __m256 signMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 a = _mm256_setzero_ps(), b = a;
    int64_t j = 0;
    for (; j + 16 <= n; j += 16) {
        // The first pass over a row from memory: ask for the line 2 KiB ahead.
        _mm_prefetch(reinterpret_cast<const char*>(x + j + 512), _MM_HINT_T0);
        a = _mm256_max_ps(a, _mm256_and_ps(_mm256_loadu_ps(x + j), signMask));
        b = _mm256_max_ps(b, _mm256_and_ps(_mm256_loadu_ps(x + j + 8), signMask));
    }
    a = _mm256_max_ps(a, b);
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    float m = _mm_cvtss_f32(_mm_max_ss(h, _mm_shuffle_ps(h, h, 1)));
    for (; j < n; ++j)
        m = std::max(m, std::fabs(x[j]));
    return m;
}

} // namespace

void encodeNf4Avx2(const float* x, int64_t n, float inv, int8_t* codes) {
    const Nf4Search search;
    search.encode(x, n, inv, codes);
}

float absMaxAvx2(const float* x, int64_t n) {
    return absMax(x, n);
}

void quantizeRowNf4Avx2(const float* x, int64_t cols, int64_t groupLen, int8_t* codes,
                        float* scales) {
    const Nf4Search search;
    for (int64_t begin = 0, g = 0; begin < cols; begin += groupLen, ++g) {
        const int64_t n = std::min(cols, begin + groupLen) - begin;
        const float absmax = absMax(x + begin, n);
        const float inv = 1.0f / absmax; // bnb: inf for a zero block, as groupParams
        const int64_t vectorised = n / 8 * 8;
        search.encode(x + begin, vectorised, inv, codes + begin);
        for (int64_t j = vectorised; j < n; ++j)
            codes[begin + j] = int8_t(nf4Code(x[begin + j] * inv));
        scales[g] = absmax;
    }
}

void encodeSymAbsmaxAvx2(const float* x, int64_t n, float inv, int qmax, int8_t* codes) {
    const __m256 vinv = _mm256_set1_ps(inv);
    const __m256i hi = _mm256_set1_epi32(qmax), lo = _mm256_set1_epi32(-qmax);
    for (int64_t j = 0; j + 8 <= n; j += 8) {
        // cvtps rounds half to even (default MXCSR), as nearbyint; the clamp after it
        // equals the reference's clamp of the rounded float, qmax being an integer.
        const __m256i q = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + j), vinv));
        storeSignedBytes8(codes + j, _mm256_max_epi32(_mm256_min_epi32(q, hi), lo));
    }
}

void encodeFp8Avx2(const float* x, uint8_t* codes, int64_t n, Fp8Kind kind, float scale) {
    const Fp8Bits b = fp8Bits(kind);
    const int shift = 23 - b.mantissaBits;
    const __m256 vscale = _mm256_set1_ps(scale);
    const __m256 subScale = _mm256_set1_ps(float(1 << (b.bias + b.mantissaBits - 1)));
    const __m256i absMask = _mm256_set1_epi32(0x7fffffff), one = _mm256_set1_epi32(1);
    const __m256i roundBias = _mm256_set1_epi32((1 << (shift - 1)) - 1);
    const __m256i rebias = _mm256_set1_epi32((127 - b.bias) << b.mantissaBits);
    const __m256i minNormal = _mm256_set1_epi32(int32_t(b.minNormalBits));
    const __m256i maxBelow = _mm256_set1_epi32(int32_t(b.maxFiniteBits) - 1);
    const __m256i maxCode = _mm256_set1_epi32(b.maxCode), nanCode = _mm256_set1_epi32(b.nanCode);
    const __m256i infBits = _mm256_set1_epi32(0x7f800000), signBit = _mm256_set1_epi32(0x80);
    for (int64_t j = 0; j + 8 <= n; j += 8) {
        if (j % 16 == 0) // per-tensor scales read the rows from memory here
            _mm_prefetch(reinterpret_cast<const char*>(x + j + 512), _MM_HINT_T0);
        const __m256i u = _mm256_castps_si256(_mm256_div_ps(_mm256_loadu_ps(x + j), vscale));
        const __m256i sign = _mm256_and_si256(_mm256_srli_epi32(u, 24), signBit);
        const __m256i a = _mm256_and_si256(u, absMask);
        const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(a, shift), one);
        const __m256i rounded = _mm256_add_epi32(_mm256_add_epi32(a, roundBias), odd);
        const __m256i normal = _mm256_sub_epi32(_mm256_srli_epi32(rounded, shift), rebias);
        const __m256i sub = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_castsi256_ps(a), subScale));
        __m256i m = select8(_mm256_cmpgt_epi32(minNormal, a), sub, normal);
        m = select8(_mm256_cmpgt_epi32(a, maxBelow), maxCode, m);
        m = _mm256_or_si256(m, sign);
        storeBytes8(codes + j, select8(_mm256_cmpgt_epi32(a, infBits), nanCode, m));
    }
}

} // namespace ql
#else
namespace ql {
bool cpuHasAvx2() {
    return false;
}
void encodeNf4Avx2(const float*, int64_t, float, int8_t*) {}
void quantizeRowNf4Avx2(const float*, int64_t, int64_t, int8_t*, float*) {}
float absMaxAvx2(const float*, int64_t) {
    return 0.0f;
}
void encodeFp8Avx2(const float*, uint8_t*, int64_t, Fp8Kind, float) {}
void encodeSymAbsmaxAvx2(const float*, int64_t, float, int, int8_t*) {}
} // namespace ql
#endif
