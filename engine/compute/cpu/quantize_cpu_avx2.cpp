#include "engine/compute/cpu/quantize_cpu_avx2.h"

#if defined(__x86_64__)
#include "engine/quant/nf4.h"

#include <cstdint>
#include <immintrin.h>
#include <utility>

// After the includes: only this file's own functions get AVX2 code, never an inline
// library function another file could end up linking.
#pragma GCC target("avx2")

namespace ql {
namespace {

// Eight int32 lanes (values that fit a byte) to eight bytes in two packs; GCC's generic
// conversion would extract them one by one.
void storeBytes8(void* dst, __m256i v) {
    const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64(static_cast<__m128i*>(dst), _mm_packus_epi16(w, w));
}

} // namespace
} // namespace ql

// Eight lanes; the compares' selects become blends.
#define QL_LANES 8
#define QL_ENTRY(name) name##Avx2
#define QL_MAX_PS(a, b) __builtin_ia32_maxps256(a, b)
#define QL_CVT_PS_EPI32(v) __builtin_ia32_cvtps2dq256(v)
#define QL_MASK_REGISTERS 0
#define QL_STORE_BYTES(dst, v) storeBytes8(dst, (__m256i)(v))
#include "engine/compute/cpu/fp8_nf4_kernel.inc"

namespace ql {

bool cpuHasAvx2() {
    static const bool has = __builtin_cpu_supports("avx2");
    return has;
}

float absMaxAvx2(const float* x, int64_t n) {
    return absMax(x, n);
}

void encodeSymAbsmaxAvx2(const float* x, int64_t n, float inv, int qmax, int8_t* codes) {
    const __m256 vinv = _mm256_set1_ps(inv);
    const __m256i hi = _mm256_set1_epi32(qmax), lo = _mm256_set1_epi32(-qmax);
    for (int64_t j = 0; j + 8 <= n; j += 8) {
        // cvtps rounds half to even (default MXCSR), as nearbyint; the clamp after it
        // equals the reference's clamp of the rounded float, qmax being an integer.
        const __m256i q = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + j), vinv));
        const __m256i c = _mm256_max_epi32(_mm256_min_epi32(q, hi), lo);
        // Eight int32 lanes in [-128, 127] to eight signed bytes.
        const __m128i w =
            _mm_packs_epi32(_mm256_castsi256_si128(c), _mm256_extracti128_si256(c, 1));
        _mm_storel_epi64(reinterpret_cast<__m128i*>(codes + j), _mm_packs_epi16(w, w));
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
