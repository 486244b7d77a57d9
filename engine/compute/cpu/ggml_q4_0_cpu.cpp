#include "engine/compute/cpu/ggml_q4_0_cpu.h"

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

// The value of largest magnitude, the first one on ties, as ggml's scan keeps it.
float signedAbsMax(const float* x) {
    __m128 abs[8];
    const float amax = blockAbsMaxSse(x, abs);
    if (amax == 0.0f)
        return 0.0f;
    const __m128 vmax = _mm_set1_ps(amax);
    for (int k = 0; k < 8; ++k)
        if (const int hits = _mm_movemask_ps(_mm_cmpeq_ps(abs[k], vmax)))
            return x[4 * k + __builtin_ctz(unsigned(hits))];
    return 0.0f;
}

__m128i codes4(const float* x, __m128 id) {
    const __m128 v = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(x), id), _mm_set1_ps(8.5f));
    const __m128i t = _mm_cvttps_epi32(v);
    return select(_mm_cmpgt_epi32(t, _mm_set1_epi32(15)), _mm_set1_epi32(15), t);
}

// False when 1/d overflows (a block of subnormals): the reference's own bytes then.
bool quantizeBlock(const float* x, BlockQ4_0& y) {
    const float d = signedAbsMax(x) / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    if (!std::isfinite(id))
        return false;
    y.d = floatToHalf(d);
    const __m128 vid = _mm_set1_ps(id);
    for (int j = 0; j < 16; j += 4) {
        const __m128i lo = codes4(x + j, vid), hi = codes4(x + 16 + j, vid);
        const __m128i packed = _mm_or_si128(lo, _mm_slli_epi32(hi, 4));
        const __m128i w = _mm_packs_epi32(packed, packed);
        const int32_t bytes = _mm_cvtsi128_si32(_mm_packus_epi16(w, w));
        std::memcpy(y.qs + j, &bytes, 4);
    }
    return true;
}

} // namespace

void quantizeRowQ4_0Cpu(const float* x, std::byte* dst, int64_t n) {
    if (cpuHasAvx2())
        return quantizeRowQ4_0Avx2(x, dst, n);
    quantizeRowBlocks<BlockQ4_0>(x, dst, n, quantizeBlock, quantizeRowQ4_0Ref);
}
#else
void quantizeRowQ4_0Cpu(const float* x, std::byte* dst, int64_t n) {
    quantizeRowQ4_0Ref(x, dst, n);
}
#endif

} // namespace ql
