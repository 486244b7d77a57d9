#include "engine/compute/cpu/ggml_legacy_cpu_avx2.h"

#include "engine/compute/cpu/ggml_block_cpu.h"
#include "engine/core/half.h"
#include "engine/quant/formats.h"
#include "engine/quant/ggml_legacy_quant.h"

#include <cmath>

#if defined(__x86_64__)
#include <immintrin.h>

// After the includes: only this file's own functions get AVX2 code (see
// quantize_cpu_avx2.cpp).
#pragma GCC target("avx2")

namespace ql {
namespace {

struct AbsBlock {
    __m256 abs[4];
    float amax;
};

AbsBlock blockAbs(const float* x) {
    const __m256 signMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    AbsBlock b;
    __m256 m = _mm256_setzero_ps();
    for (int k = 0; k < 4; ++k) {
        b.abs[k] = _mm256_and_ps(_mm256_loadu_ps(x + 8 * k), signMask);
        m = _mm256_max_ps(m, b.abs[k]);
    }
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
    b.amax = _mm_cvtss_f32(h);
    return b;
}

// roundf: t = trunc(v), plus trunc(2 * (v - t)), which is +-1 exactly where the dropped
// fraction reaches a half (v - t and its double are exact for the |v| <= 127.5 of a
// Q8_0 code) and 0 elsewhere.
__m256i roundHalfAwayFromZero(__m256 v) {
    const __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 frac = _mm256_sub_ps(v, t);
    return _mm256_add_epi32(_mm256_cvttps_epi32(t), _mm256_cvttps_epi32(_mm256_add_ps(frac, frac)));
}

bool quantizeBlockQ8_0(const float* x, BlockQ8_0& y) {
    const float d = blockAbs(x).amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    if (!std::isfinite(id))
        return false;
    y.d = floatToHalf(d);
    const __m256 vid = _mm256_set1_ps(id);
    __m256i q[4];
    for (int k = 0; k < 4; ++k)
        q[k] = roundHalfAwayFromZero(_mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), vid));
    // packs work per 128-bit half: groups of four land as 0 2 4 6 1 3 5 7, put back.
    const __m256i w =
        _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y.qs), _mm256_permutevar8x32_epi32(w, order));
    return true;
}

// The value of largest magnitude, the first one on ties (ggml's strict '<' scan).
float signedAbsMax(const float* x, const AbsBlock& b) {
    if (b.amax == 0.0f)
        return 0.0f;
    const __m256 vmax = _mm256_set1_ps(b.amax);
    uint32_t hits = 0;
    for (int k = 0; k < 4; ++k)
        hits |= uint32_t(_mm256_movemask_ps(_mm256_cmp_ps(b.abs[k], vmax, _CMP_EQ_OQ))) << (8 * k);
    return hits != 0 ? x[__builtin_ctz(hits)] : 0.0f; // no hit only for NaN input
}

// min(15, trunc(x * id + 8.5)) for eight values, as int32 lanes.
__m256i codes8(const float* x, __m256 id) {
    const __m256 v = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(x), id), _mm256_set1_ps(8.5f));
    return _mm256_min_epi32(_mm256_cvttps_epi32(v), _mm256_set1_epi32(15));
}

bool quantizeBlockQ4_0(const float* x, BlockQ4_0& y) {
    const float d = signedAbsMax(x, blockAbs(x)) / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    if (!std::isfinite(id))
        return false;
    y.d = floatToHalf(d);
    const __m256 vid = _mm256_set1_ps(id);
    const __m256i lo = _mm256_or_si256(codes8(x, vid), _mm256_slli_epi32(codes8(x + 16, vid), 4));
    const __m256i hi =
        _mm256_or_si256(codes8(x + 8, vid), _mm256_slli_epi32(codes8(x + 24, vid), 4));
    // Sixteen int16 in order (packs interleaves the 128-bit halves), then bytes.
    const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(lo, hi), 0xd8);
    const __m128i bytes =
        _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y.qs), bytes);
    return true;
}

} // namespace

void quantizeRowQ8_0Avx2(const float* x, std::byte* dst, int64_t n) {
    // A lambda, not the function's address: an instance of the template that only this
    // file uses, so no AVX2 copy can stand in for the SSE2 file's (or the reverse).
    const auto encode = [](const float* b, BlockQ8_0& y) { return quantizeBlockQ8_0(b, y); };
    quantizeRowBlocks<BlockQ8_0>(x, dst, n, encode, quantizeRowQ8_0Ref);
}

void quantizeRowQ4_0Avx2(const float* x, std::byte* dst, int64_t n) {
    const auto encode = [](const float* b, BlockQ4_0& y) { return quantizeBlockQ4_0(b, y); };
    quantizeRowBlocks<BlockQ4_0>(x, dst, n, encode, quantizeRowQ4_0Ref);
}

} // namespace ql
#else
namespace ql {
void quantizeRowQ8_0Avx2(const float* x, std::byte* dst, int64_t n) {
    quantizeRowQ8_0Ref(x, dst, n);
}
void quantizeRowQ4_0Avx2(const float* x, std::byte* dst, int64_t n) {
    quantizeRowQ4_0Ref(x, dst, n);
}
} // namespace ql
#endif
