#pragma once
// Small SSE2 helpers shared by the CPU quantizers (SSE2 is the x86-64 baseline).
#include <algorithm>
#include <cmath>
#include <cstdint>

#if defined(__SSE2__)
#include "engine/compute/cpu/quantize_cpu_avx2.h"

#include <xmmintrin.h>

#include <emmintrin.h>

namespace ql {

// The input lines a loop reaches kPrefetchFloats floats (2 KiB) after x, asked for now:
// the encoders read their rows once, front to back, and stall on memory without it.
inline constexpr int64_t kPrefetchFloats = 512;
inline void prefetchAhead(const float* x) {
    _mm_prefetch(reinterpret_cast<const char*>(x + kPrefetchFloats), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(x + kPrefetchFloats + 16), _MM_HINT_T0);
}

// mask ? a : b, per 32-bit lane (mask lanes are all ones or all zeros).
inline __m128i select(__m128i mask, __m128i a, __m128i b) {
    return _mm_or_si128(_mm_and_si128(mask, a), _mm_andnot_si128(mask, b));
}

inline float horizontalMax(__m128 v) {
    alignas(16) float lanes[4];
    _mm_store_ps(lanes, v);
    return std::max(std::max(lanes[0], lanes[1]), std::max(lanes[2], lanes[3]));
}

inline float absMaxSse(const float* x, int64_t n) {
    const __m128 signMask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
    __m128 acc = _mm_setzero_ps();
    int64_t j = 0;
    for (; j + 4 <= n; j += 4)
        acc = _mm_max_ps(acc, _mm_and_ps(_mm_loadu_ps(x + j), signMask));
    float m = horizontalMax(acc);
    for (; j < n; ++j)
        m = std::max(m, std::fabs(x[j]));
    return m;
}

// The largest |x[j]| (NaN-free input): AVX2 where the CPU has it.
inline float absMaxCpu(const float* x, int64_t n) {
    return cpuHasAvx2() ? absMaxAvx2(x, n) : absMaxSse(x, n);
}

// Four int32 lanes (values that fit int8) to four bytes at dst.
inline void storeBytes4(int8_t* dst, __m128i v) {
    const __m128i w = _mm_packs_epi32(v, v);
    const int32_t packed = _mm_cvtsi128_si32(_mm_packs_epi16(w, w));
    __builtin_memcpy(dst, &packed, 4);
}

} // namespace ql
#else
namespace ql {
inline float absMaxCpu(const float* x, int64_t n) {
    float m = 0.0f;
    for (int64_t j = 0; j < n; ++j)
        m = std::max(m, std::fabs(x[j]));
    return m;
}
} // namespace ql
#endif
