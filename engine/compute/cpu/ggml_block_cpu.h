#pragma once
// What the CPU paths of GGUF Q8_0 and Q4_0 share: the row loop over blocks of 32 that
// falls back to ggml's reference for a block the vector body declines (a block of
// subnormals whose 1/d overflows: the reference converts inf to an integer, whatever the
// compiler makes of that, so only its own code gives its bytes), and the SSE2 absolute
// values and maximum of one block.
#include "engine/compute/cpu/simd_util.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace ql {

// EncodeBlock(x, block) -> false to decline; Reference(x, dst, 32) writes that block.
template <typename Block, typename EncodeBlock, typename Reference>
void quantizeRowBlocks(const float* x, std::byte* dst, int64_t n, EncodeBlock encode,
                       Reference reference) {
    for (int64_t i = 0; i < n / 32; ++i) {
        prefetchAhead(x + 32 * i);
        std::byte* out = dst + i * int64_t(sizeof(Block));
        Block y;
        if (encode(x + 32 * i, y))
            std::memcpy(out, &y, sizeof y);
        else
            reference(x + 32 * i, out, 32);
    }
}

#if defined(__SSE2__)
// |x[0..32)| into abs (eight vectors of four) and their maximum.
inline float blockAbsMaxSse(const float* x, __m128 abs[8]) {
    const __m128 signMask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
    __m128 m = _mm_setzero_ps();
    for (int k = 0; k < 8; ++k) {
        abs[k] = _mm_and_ps(_mm_loadu_ps(x + 4 * k), signMask);
        m = _mm_max_ps(m, abs[k]);
    }
    return horizontalMax(m);
}
#endif

} // namespace ql
