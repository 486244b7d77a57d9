#include "engine/compute/cpu/quantize_cpu_avx2.h"

#if defined(__x86_64__)
#include "engine/quant/nf4.h"

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

__m256i select8(__m256i mask, __m256i a, __m256i b) {
    return _mm256_blendv_epi8(b, a, mask);
}

} // namespace

void encodeNf4Avx2(const float* x, int64_t n, float inv, int8_t* codes) {
    const auto& t = nf4Thresholds();
    const __m256 vinv = _mm256_set1_ps(inv);
    for (int64_t j = 0; j + 8 <= n; j += 8) {
        const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + j), vinv);
        __m256i count = _mm256_setzero_si256();
        for (float th : t)
            count = _mm256_sub_epi32(
                count, _mm256_castps_si256(_mm256_cmp_ps(v, _mm256_set1_ps(th), _CMP_GT_OQ)));
        storeBytes8(codes + j, count);
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
void encodeFp8Avx2(const float*, uint8_t*, int64_t, Fp8Kind, float) {}
} // namespace ql
#endif
