#include "engine/compute/cpu/fp8_cpu.h"

#include "engine/compute/cpu/quantize_cpu_avx2.h"
#include "engine/compute/cpu/quantize_cpu_avx512.h"
#include "engine/compute/cpu/simd_util.h"

#include <cmath>
#include <cstring>

namespace ql {

#if defined(__SSE2__)
namespace {

// floatToFp8Bits on four lanes; every branch is computed and the lanes pick theirs.
__m128i encodeLanes(__m128 v, const Fp8Bits& b, __m128 subnormalScale) {
    const __m128i u = _mm_castps_si128(v);
    const __m128i sign = _mm_and_si128(_mm_srli_epi32(u, 24), _mm_set1_epi32(0x80));
    const __m128i a = _mm_and_si128(u, _mm_set1_epi32(0x7fffffff));
    const int shift = 23 - b.mantissaBits;
    const __m128i odd = _mm_and_si128(_mm_srli_epi32(a, shift), _mm_set1_epi32(1));
    const __m128i rounded =
        _mm_add_epi32(_mm_add_epi32(a, _mm_set1_epi32((1 << (shift - 1)) - 1)), odd);
    const __m128i normal = _mm_sub_epi32(_mm_srli_epi32(rounded, shift),
                                         _mm_set1_epi32((127 - b.bias) << b.mantissaBits));
    const __m128i subnormal = _mm_cvtps_epi32(_mm_mul_ps(_mm_castsi128_ps(a), subnormalScale));
    const __m128i isSub = _mm_cmplt_epi32(a, _mm_set1_epi32(int32_t(b.minNormalBits)));
    __m128i m = select(isSub, subnormal, normal);
    const __m128i saturate = _mm_cmpgt_epi32(a, _mm_set1_epi32(int32_t(b.maxFiniteBits) - 1));
    m = select(saturate, _mm_set1_epi32(b.maxCode), m);
    m = _mm_or_si128(m, sign);
    const __m128i isNan = _mm_cmpgt_epi32(a, _mm_set1_epi32(0x7f800000));
    return select(isNan, _mm_set1_epi32(b.nanCode), m);
}

} // namespace

void quantizeRowFp8ScaledCpu(const float* x, uint8_t* dst, int64_t n, Fp8Kind kind, float scale) {
    std::memcpy(dst, &scale, sizeof scale);
    uint8_t* codes = dst + 4;
    if (scale == 0.0f) {
        std::memset(codes, 0, size_t(n));
        return;
    }
    const Fp8Bits b = fp8Bits(kind);
    const __m128 vscale = _mm_set1_ps(scale);
    const __m128 subnormalScale = _mm_set1_ps(std::ldexp(1.0f, b.bias + b.mantissaBits - 1));
    int64_t j = 0;
    if (cpuHasAvx512()) {
        j = n / 16 * 16;
        encodeFp8Avx512(x, codes, j, kind, scale);
    } else if (cpuHasAvx2()) {
        j = n / 8 * 8;
        encodeFp8Avx2(x, codes, j, kind, scale);
    }
    for (; j + 16 <= n; j += 16) {
        __m128i lanes[4];
        for (int k = 0; k < 4; ++k)
            lanes[k] =
                encodeLanes(_mm_div_ps(_mm_loadu_ps(x + j + 4 * k), vscale), b, subnormalScale);
        const __m128i lo = _mm_packs_epi32(lanes[0], lanes[1]);
        const __m128i hi = _mm_packs_epi32(lanes[2], lanes[3]);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(codes + j), _mm_packus_epi16(lo, hi));
    }
    for (; j < n; ++j)
        codes[j] = floatToFp8Bits(x[j] / scale, kind);
}

void quantizeRowFp8Cpu(const float* x, uint8_t* dst, int64_t n, Fp8Kind kind) {
    quantizeRowFp8ScaledCpu(x, dst, n, kind, absMaxCpu(x, n) / fp8MaxFinite(kind));
}
#else
void quantizeRowFp8ScaledCpu(const float* x, uint8_t* dst, int64_t n, Fp8Kind kind, float scale) {
    quantizeRowFp8Scaled(x, dst, n, kind, scale);
}
void quantizeRowFp8Cpu(const float* x, uint8_t* dst, int64_t n, Fp8Kind kind) {
    quantizeRowFp8(x, dst, n, kind);
}
#endif

} // namespace ql
