#include "engine/compute/cpu/quantize_cpu.h"

#include "engine/compute/cpu/ggml_q8_0_cpu.h"
#include "engine/quant/kquant_encode.h"

#include <algorithm>
#include <cmath>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ql {
namespace {

float absMax(const float* x, int64_t n) {
    int64_t j = 0;
    float m = 0.0f;
#if defined(__SSE2__)
    const __m128 signMask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
    __m128 acc = _mm_setzero_ps();
    for (; j + 4 <= n; j += 4)
        acc = _mm_max_ps(acc, _mm_and_ps(_mm_loadu_ps(x + j), signMask));
    alignas(16) float lanes[4];
    _mm_store_ps(lanes, acc);
    m = std::max(std::max(lanes[0], lanes[1]), std::max(lanes[2], lanes[3]));
#endif
    for (; j < n; ++j)
        m = std::max(m, std::fabs(x[j]));
    return m;
}

void encode(const float* x, int64_t n, float inv, int qmax, int8_t* codes) {
    int64_t j = 0;
#if defined(__SSE2__)
    const __m128 vinv = _mm_set1_ps(inv);
    const __m128i hi = _mm_set1_epi16(int16_t(qmax)), lo = _mm_set1_epi16(int16_t(-qmax));
    for (; j + 8 <= n; j += 8) {
        const __m128i a = _mm_cvtps_epi32(_mm_mul_ps(_mm_loadu_ps(x + j), vinv));
        const __m128i b = _mm_cvtps_epi32(_mm_mul_ps(_mm_loadu_ps(x + j + 4), vinv));
        __m128i w = _mm_packs_epi32(a, b);
        w = _mm_max_epi16(_mm_min_epi16(w, hi), lo);
        _mm_storel_epi64(reinterpret_cast<__m128i*>(codes + j), _mm_packs_epi16(w, w));
    }
#endif
    for (; j < n; ++j)
        codes[j] = int8_t(std::clamp(std::nearbyint(x[j] * inv), float(-qmax), float(qmax)));
}

} // namespace

void quantizeRowsCpu(QuantFormat format, const float* src, int64_t rowBegin, int64_t rowEnd,
                     int64_t cols, QuantizedTensor& out) {
    const auto& info = quantFormatInfo(format);
    if (format == QuantFormat::Q8_0) {
        const uint64_t rowBytes = packedRowBytes(format, cols);
        for (int64_t r = rowBegin; r < rowEnd; ++r)
            quantizeRowQ8_0Cpu(src + r * cols, out.packed.data() + size_t(r) * rowBytes, cols);
        return;
    }
    if (format == QuantFormat::Q4_K) { // vectorised, same bytes as the scalar encoder
        const uint64_t rowBytes = packedRowBytes(format, cols);
        for (int64_t r = rowBegin; r < rowEnd; ++r)
            quantizeRowQ4_KFast(src + r * cols, out.packed.data() + size_t(r) * rowBytes, cols);
        return;
    }
    if (info.kind == QuantKind::Block) {
        quantizeBlockRows(format, src, rowBegin, rowEnd, cols, out);
        return;
    }
    const int64_t groupLen = info.groupSize == 0 ? cols : info.groupSize;
    const int64_t groups = groupsPerRow(format, cols);
    for (int64_t r = rowBegin; r < rowEnd; ++r) {
        for (int64_t g = 0; g < groups; ++g) {
            const int64_t begin = g * groupLen;
            const int64_t n = std::min(cols, begin + groupLen) - begin;
            const float* x = src + r * cols + begin;
            const float scale = absMax(x, n) / float(info.qmax);
            float inv = scale != 0.0f ? 1.0f / scale : 0.0f;
            if (!std::isfinite(inv))
                inv = 0.0f;
            out.scales[size_t(r * groups + g)] = scale;
            encode(x, n, inv, info.qmax, out.codes.data() + r * cols + begin);
        }
    }
}

} // namespace ql
