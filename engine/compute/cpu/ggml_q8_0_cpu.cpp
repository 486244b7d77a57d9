#include "engine/compute/cpu/ggml_q8_0_cpu.h"

#include "engine/compute/cpu/ggml_block_cpu.h"
#include "engine/compute/cpu/ggml_legacy_cpu_avx2.h"
#include "engine/compute/cpu/quantize_cpu_avx2.h"
#include "engine/core/half.h"
#include "engine/quant/formats.h"
#include "engine/quant/ggml_legacy_quant.h"

#include <cmath>
#include <cstring>

namespace ql {

#if defined(__SSE2__)
namespace {

__m128i roundHalfAwayFromZero(__m128 v) {
    const __m128i t = _mm_cvttps_epi32(v);
    const __m128 frac = _mm_sub_ps(v, _mm_cvtepi32_ps(t));
    const __m128 absMask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
    const __m128 away = _mm_cmpge_ps(_mm_and_ps(frac, absMask), _mm_set1_ps(0.5f));
    // +1 or -1 by the sign of v, where the fraction reaches a half.
    const __m128i sign = _mm_srai_epi32(_mm_castps_si128(v), 31); // 0 or -1
    const __m128i step = _mm_or_si128(sign, _mm_set1_epi32(1));   // +1 or -1
    return _mm_add_epi32(t, _mm_and_si128(_mm_castps_si128(away), step));
}

// False for a block of subnormals whose 1/d overflows to inf (ggml_block_cpu.h).
bool quantizeBlock(const float* x, BlockQ8_0& y) {
    __m128 abs[8];
    const float d = blockAbsMaxSse(x, abs) / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    if (!std::isfinite(id))
        return false;
    y.d = floatToHalf(d);
    const __m128 vid = _mm_set1_ps(id);
    for (int j = 0; j < 32; j += 8) {
        const __m128i a = roundHalfAwayFromZero(_mm_mul_ps(_mm_loadu_ps(x + j), vid));
        const __m128i b = roundHalfAwayFromZero(_mm_mul_ps(_mm_loadu_ps(x + j + 4), vid));
        const __m128i w = _mm_packs_epi32(a, b);
        _mm_storel_epi64(reinterpret_cast<__m128i*>(y.qs + j), _mm_packs_epi16(w, w));
    }
    return true;
}

} // namespace

void quantizeRowQ8_0Cpu(const float* x, std::byte* dst, int64_t n) {
    if (cpuHasAvx2())
        return quantizeRowQ8_0Avx2(x, dst, n);
    quantizeRowBlocks<BlockQ8_0>(x, dst, n, quantizeBlock, quantizeRowQ8_0Ref);
}
#else
void quantizeRowQ8_0Cpu(const float* x, std::byte* dst, int64_t n) {
    quantizeRowQ8_0Ref(x, dst, n);
}
#endif

} // namespace ql
