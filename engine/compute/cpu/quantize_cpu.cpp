#include "engine/compute/cpu/quantize_cpu.h"

#include "engine/compute/cpu/cpu_parallel.h"
#include "engine/compute/cpu/fp8_cpu.h"
#include "engine/compute/cpu/ggml_legacy_cpu_avx2.h"
#include "engine/compute/cpu/ggml_q4_0_cpu.h"
#include "engine/compute/cpu/ggml_q8_0_cpu.h"
#include "engine/compute/cpu/quantize_cpu_avx2.h"
#include "engine/compute/cpu/quantize_cpu_avx512.h"
#include "engine/compute/cpu/simd_util.h"
#include "engine/quant/ggml_legacy_quant.h"
#include "engine/quant/kquant_encode.h"
#include "engine/quant/kquant_lsq.h"
#include "engine/quant/nf4.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace ql {
namespace {

#if defined(__SSE2__)
RangeStats rangeStatsSse(const float* x, int64_t n) {
    const __m128 signMask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
    __m128 lo = _mm_setzero_ps(), hi = _mm_setzero_ps(), am = _mm_setzero_ps();
    int64_t j = 0;
    for (; j + 4 <= n; j += 4) {
        const __m128 v = _mm_loadu_ps(x + j);
        lo = _mm_min_ps(lo, v);
        hi = _mm_max_ps(hi, v);
        am = _mm_max_ps(am, _mm_and_ps(v, signMask));
    }
    RangeStats s{-horizontalMax(_mm_sub_ps(_mm_setzero_ps(), lo)), horizontalMax(hi),
                 horizontalMax(am)};
    return mergeStats(s, rangeStats(x + j, n - j));
}

void encodeSymAbsmax(const float* x, int64_t n, float inv, int qmax, int8_t* codes) {
    int64_t j = 0;
    if (cpuHasAvx2()) {
        j = n / 8 * 8;
        encodeSymAbsmaxAvx2(x, j, inv, qmax, codes);
    }
    const __m128 vinv = _mm_set1_ps(inv);
    const __m128i hi = _mm_set1_epi16(int16_t(qmax)), lo = _mm_set1_epi16(int16_t(-qmax));
    for (; j + 8 <= n; j += 8) {
        const __m128i a = _mm_cvtps_epi32(_mm_mul_ps(_mm_loadu_ps(x + j), vinv));
        const __m128i b = _mm_cvtps_epi32(_mm_mul_ps(_mm_loadu_ps(x + j + 4), vinv));
        __m128i w = _mm_packs_epi32(a, b);
        w = _mm_max_epi16(_mm_min_epi16(w, hi), lo);
        _mm_storel_epi64(reinterpret_cast<__m128i*>(codes + j), _mm_packs_epi16(w, w));
    }
    for (; j < n; ++j)
        codes[j] = int8_t(std::clamp(std::nearbyint(x[j] * inv), float(-qmax), float(qmax)));
}

// compressed-tensors: round(clamp(x / scale, lo, hi)); clamping before rounding in float.
void encodeSymHalfRange(const float* x, int64_t n, float scale, int bits, int8_t* codes) {
    const float half = float(1 << (bits - 1));
    const __m128 vs = _mm_set1_ps(scale), vlo = _mm_set1_ps(-half), vhi = _mm_set1_ps(half - 1);
    int64_t j = 0;
    for (; j + 4 <= n; j += 4) {
        const __m128 q = _mm_div_ps(_mm_loadu_ps(x + j), vs);
        storeBytes4(codes + j, _mm_cvtps_epi32(_mm_min_ps(_mm_max_ps(q, vlo), vhi)));
    }
    for (; j < n; ++j)
        codes[j] = int8_t(std::nearbyint(std::clamp(x[j] / scale, -half, half - 1.0f)));
}

// GPTQ: clamp(round(x / scale) + zero, 0, maxq), stored minus the code offset.
void encodeZeroPoint(const float* x, int64_t n, const GroupParams& p, int bits, int offset,
                     int8_t* codes) {
    const int maxq = (1 << bits) - 1;
    const __m128 vs = _mm_set1_ps(p.scale);
    const __m128i z = _mm_set1_epi32(int(p.zero) + offset);
    const __m128i lo = _mm_setzero_si128(), hi = _mm_set1_epi32(maxq);
    const __m128i off = _mm_set1_epi32(offset);
    int64_t j = 0;
    for (; j + 4 <= n; j += 4) {
        __m128i q = _mm_add_epi32(_mm_cvtps_epi32(_mm_div_ps(_mm_loadu_ps(x + j), vs)), z);
        q = select(_mm_cmplt_epi32(q, lo), lo, q);
        q = select(_mm_cmpgt_epi32(q, hi), hi, q);
        storeBytes4(codes + j, _mm_sub_epi32(q, off));
    }
    for (; j < n; ++j) {
        const float v = std::nearbyint(x[j] / p.scale) + p.zero + float(offset);
        codes[j] = int8_t(std::clamp(v, 0.0f, float(maxq)) - float(offset));
    }
}

// bnb's decision trees as threshold counts: code = number of thresholds below x * inv.
void encodeNf4(const float* x, int64_t n, float inv, int8_t* codes) {
    const auto& t = nf4Thresholds();
    const __m128 vinv = _mm_set1_ps(inv);
    int64_t j = 0;
    if (cpuHasAvx2()) {
        j = n / 8 * 8;
        encodeNf4Avx2(x, j, inv, codes);
    }
    for (; j + 4 <= n; j += 4) {
        const __m128 v = _mm_mul_ps(_mm_loadu_ps(x + j), vinv);
        __m128i count = _mm_setzero_si128();
        for (float th : t)
            count = _mm_sub_epi32(count, _mm_castps_si128(_mm_cmpgt_ps(v, _mm_set1_ps(th))));
        storeBytes4(codes + j, count);
    }
    for (; j < n; ++j)
        codes[j] = int8_t(nf4Code(x[j] * inv));
}

void encodeFp4(const float* x, int64_t n, float inv, int8_t* codes) {
    const auto& t = fp4Thresholds();
    const __m128 vinv = _mm_set1_ps(inv);
    const __m128 signMask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
    int64_t j = 0;
    for (; j + 4 <= n; j += 4) {
        const __m128 v = _mm_mul_ps(_mm_loadu_ps(x + j), vinv);
        const __m128 a = _mm_and_ps(v, signMask);
        __m128i rank = _mm_setzero_si128();
        for (float th : t)
            rank = _mm_sub_epi32(rank, _mm_castps_si128(_mm_cmpgt_ps(a, _mm_set1_ps(th))));
        // rank -> code: flip bit 2 where bit 1 is set ({0,1,6,7,4,5,2,3}).
        const __m128i code =
            _mm_xor_si128(rank, _mm_slli_epi32(_mm_and_si128(rank, _mm_set1_epi32(2)), 1));
        const __m128i sign =
            _mm_and_si128(_mm_castps_si128(_mm_cmplt_ps(v, _mm_setzero_ps())), _mm_set1_epi32(8));
        storeBytes4(codes + j, _mm_or_si128(code, sign));
    }
    for (; j < n; ++j)
        codes[j] = int8_t(fp4Code(x[j] * inv));
}

void encodeGroup(const QuantFormatInfo& info, const float* x, int64_t n, const GroupParams& p,
                 int8_t* codes) {
    switch (info.scheme) {
    case QuantScheme::SymAbsmax:
        return encodeSymAbsmax(x, n, p.inv, info.qmax, codes);
    case QuantScheme::SymHalfRange:
        return encodeSymHalfRange(x, n, p.scale, info.bits, codes);
    case QuantScheme::SymGptq:
    case QuantScheme::Asym:
        if (!(p.scale >= FLT_MIN)) // subnormal or zero scale: the reference's NaN rule
            return encodeGroupReference(info, x, n, p, codes);
        return encodeZeroPoint(x, n, p, info.bits, codeOffset(info), codes);
    case QuantScheme::Nf4:
        return encodeNf4(x, n, p.inv, codes);
    case QuantScheme::Fp4:
        return encodeFp4(x, n, p.inv, codes);
    }
}
#else
RangeStats rangeStatsSse(const float* x, int64_t n) {
    return rangeStats(x, n);
}
void encodeGroup(const QuantFormatInfo& info, const float* x, int64_t n, const GroupParams& p,
                 int8_t* codes) {
    encodeGroupReference(info, x, n, p, codes);
}
#endif

// The statistics a per-group scheme needs; absmax alone is cheaper for symmetric ones.
RangeStats groupStats(const QuantFormatInfo& info, const float* x, int64_t n) {
    if (info.scheme == QuantScheme::SymGptq || info.scheme == QuantScheme::Asym)
        return rangeStatsSse(x, n);
    RangeStats s;
    s.absmax = absMaxCpu(x, n);
    return s;
}

} // namespace

namespace {

void quantizeBlockRowsCpu(QuantFormat format, const float* src, int64_t rowBegin, int64_t rowEnd,
                          int64_t cols, QuantizedTensor& out) {
    const uint64_t rowBytes = packedRowBytes(format, cols);
    for (int64_t r = rowBegin; r < rowEnd; ++r) {
        std::byte* dst = out.packed.data() + size_t(r) * rowBytes;
        auto* bytes = reinterpret_cast<uint8_t*>(dst);
        float tensorScale;
        switch (format) {
        case QuantFormat::Q8_0:
            quantizeRowQ8_0Cpu(src + r * cols, dst, cols);
            break;
        case QuantFormat::Q4_0:
            quantizeRowQ4_0Cpu(src + r * cols, dst, cols);
            break;
        case QuantFormat::F16:
            (cpuHasF16c() ? convertRowF16F16c : convertRowF16)(src + r * cols, dst, cols);
            break;
        case QuantFormat::Q2_K: // vector lanes, the same bytes as the scalar encoders
        case QuantFormat::Q3_K:
        case QuantFormat::Q4_K:
        case QuantFormat::Q5_K:
        case QuantFormat::Q6_K:
        case QuantFormat::IQ4_NL:
            quantizeRowInLanes(quantFormatInfo(format).storage, src + r * cols, dst, cols, nullptr,
                               detectedSimdLevel());
            break;
        case QuantFormat::Q4_KLsq: // the same bytes as its scalar lanes
            quantizeRowQ4_KLsq(src + r * cols, dst, cols);
            break;
        case QuantFormat::Fp8E4M3:
            quantizeRowFp8Cpu(src + r * cols, bytes, cols, Fp8Kind::E4M3FN);
            break;
        case QuantFormat::Fp8E5M2:
            quantizeRowFp8Cpu(src + r * cols, bytes, cols, Fp8Kind::E5M2);
            break;
        case QuantFormat::Fp8E4M3Tensor:
        case QuantFormat::Fp8E5M2Tensor:
            std::memcpy(&tensorScale, dst, sizeof tensorScale);
            quantizeRowFp8ScaledCpu(src + r * cols, bytes, cols,
                                    format == QuantFormat::Fp8E4M3Tensor ? Fp8Kind::E4M3FN
                                                                         : Fp8Kind::E5M2,
                                    tensorScale);
            break;
        default:
            quantizeBlockRows(format, src, r, r + 1, cols, out);
        }
    }
}

} // namespace

void quantizeRowsCpu(QuantFormat format, const float* src, int64_t rowBegin, int64_t rowEnd,
                     int64_t cols, QuantizedTensor& out, const GroupParams& tensorParams) {
    const auto& info = quantFormatInfo(format);
    if (info.kind == QuantKind::Block)
        return quantizeBlockRowsCpu(format, src, rowBegin, rowEnd, cols, out);
    const int64_t groupLen = info.groupSize == 0 ? cols : info.groupSize;
    const int64_t groups = groupsPerRow(format, cols);
    if (info.scheme == QuantScheme::Nf4 && !info.perTensor && cpuHasAvx2()) {
        // Blocks of 64: per-group calls cost about as much as the codes; one call a row.
        const auto row = cpuHasAvx512() ? quantizeRowNf4Avx512 : quantizeRowNf4Avx2;
        for (int64_t r = rowBegin; r < rowEnd; ++r)
            row(src + r * cols, cols, groupLen, out.codes.data() + r * cols,
                out.scales.data() + r * groups);
        return;
    }
    for (int64_t r = rowBegin; r < rowEnd; ++r) {
        for (int64_t g = 0; g < groups; ++g) {
            const int64_t begin = g * groupLen;
            const int64_t n = std::min(cols, begin + groupLen) - begin;
            const float* x = src + r * cols + begin;
            const GroupParams p =
                info.perTensor ? tensorParams : groupParams(info, groupStats(info, x, n));
            encodeGroup(info, x, n, p, out.codes.data() + r * cols + begin);
            out.scales[size_t(r * groups + g)] = p.scale;
            if (!out.zeros.empty())
                out.zeros[size_t(r * groups + g)] = p.zero;
        }
    }
}

namespace {

// The per-tensor statistics, over chunks of rows: the absmax alone (AVX2 where there is
// one) unless the scheme needs min and max.
RangeStats tensorStats(const QuantFormatInfo& info, const float* src, int64_t rows, int64_t cols,
                       int threads, int64_t minRows) {
    const bool absmaxOnly = info.kind == QuantKind::Block || (info.scheme != QuantScheme::SymGptq &&
                                                              info.scheme != QuantScheme::Asym);
    RangeStats total;
    std::mutex m;
    forEachRowChunk(rows, threads, rowChunkFor(cols), minRows, [&](int64_t begin, int64_t end) {
        const float* x = src + begin * cols;
        const int64_t n = (end - begin) * cols;
        RangeStats s;
        if (absmaxOnly)
            s.absmax = absMaxCpu(x, n);
        else
            s = rangeStatsSse(x, n);
        const std::lock_guard lock(m);
        total = mergeStats(total, s);
    });
    return total;
}

} // namespace

void quantizeTensorCpu(QuantFormat format, std::span<const float> src, int64_t rows, int64_t cols,
                       QuantizedTensor& out, int threads) {
    const auto& info = quantFormatInfo(format);
    // At least 64 Ki weights per thread, or threads cost more than they save.
    const int64_t minRows = rowChunkFor(cols);
    GroupParams tensorParams;
    if (info.perTensor) {
        const RangeStats total = tensorStats(info, src.data(), rows, cols, threads, minRows);
        if (info.kind == QuantKind::Block)
            storeTensorFp8Scale(format, total.absmax, out);
        else
            tensorParams = groupParams(info, total);
    }
    forEachRowChunk(rows, threads, rowChunkFor(cols), minRows, [&](int64_t begin, int64_t end) {
        quantizeRowsCpu(format, src.data(), begin, end, cols, out, tensorParams);
    });
    finishDoubleQuant(out);
}

} // namespace ql
