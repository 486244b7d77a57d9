#include "engine/compute/cpu/ggml_legacy_cpu_avx2.h"

#include "engine/compute/cpu/ggml_block_cpu.h"
#include "engine/core/half.h"
#include "engine/quant/formats.h"
#include "engine/quant/ggml_legacy_quant.h"

#include <cmath>
#include <cstddef>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>

// After the includes: only this file's own functions get AVX2 code (see
// quantize_cpu_avx2.cpp).
#pragma GCC target("avx2,f16c")

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

// The 32 codes of one Q8_0 block: roundf(x * id).
void codesQ8_0(const float* x, float id, void* qs) {
    const __m256 vid = _mm256_set1_ps(id);
    __m256i q[4];
    for (int k = 0; k < 4; ++k)
        q[k] = roundHalfAwayFromZero(_mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), vid));
    // packs work per 128-bit half: groups of four land as 0 2 4 6 1 3 5 7, put back.
    const __m256i w =
        _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    _mm256_storeu_si256(static_cast<__m256i*>(qs), _mm256_permutevar8x32_epi32(w, order));
}

bool quantizeBlockQ8_0(const float* x, BlockQ8_0& y) {
    const float d = blockAbs(x).amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    if (!std::isfinite(id))
        return false;
    y.d = floatToHalf(d);
    codesQ8_0(x, id, y.qs);
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

// The 16 bytes of one Q4_0 block: min(15, trunc(x * id + 8.5)), elements j and j + 16
// in the low and high nibble of byte j.
void codesQ4_0(const float* x, float id, void* qs) {
    const __m256 vid = _mm256_set1_ps(id);
    const __m256i lo = _mm256_or_si256(codes8(x, vid), _mm256_slli_epi32(codes8(x + 16, vid), 4));
    const __m256i hi =
        _mm256_or_si256(codes8(x + 8, vid), _mm256_slli_epi32(codes8(x + 24, vid), 4));
    // Sixteen int16 in order (packs interleaves the 128-bit halves), then bytes.
    const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(lo, hi), 0xd8);
    const __m128i bytes =
        _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
    _mm_storeu_si128(static_cast<__m128i*>(qs), bytes);
}

bool quantizeBlockQ4_0(const float* x, BlockQ4_0& y) {
    const float d = signedAbsMax(x, blockAbs(x)) / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    if (!std::isfinite(id))
        return false;
    y.d = floatToHalf(d);
    codesQ4_0(x, id, y.qs);
    return true;
}

// Eight blocks at a time: the per-block reductions end in one vector (a lane per block),
// so the scale's two divisions run once for eight blocks instead of once per block, and
// vdivps rounds exactly as the scalar division does.

struct MaxOp {
    __m256 operator()(__m256 a, __m256 b) const { return _mm256_max_ps(a, b); }
};
struct MinOp {
    __m256 operator()(__m256 a, __m256 b) const { return _mm256_min_ps(a, b); }
};

// op of a's lane pairs and b's, per 128-bit half: a01 a23 b01 b23.
template <typename Op> __m256 pairs(__m256 a, __m256 b) {
    return Op{}(_mm256_shuffle_ps(a, b, 0x88), _mm256_shuffle_ps(a, b, 0xdd));
}

// Op over each vector's eight lanes, the eight results in one vector in order.
template <typename Op> __m256 reduceLanes(const __m256 v[8]) {
    const __m256 q0 = pairs<Op>(pairs<Op>(v[0], v[1]), pairs<Op>(v[2], v[3])); // 0-3, 4-7
    const __m256 q1 = pairs<Op>(pairs<Op>(v[4], v[5]), pairs<Op>(v[6], v[7]));
    return Op{}(_mm256_permute2f128_ps(q0, q1, 0x20), _mm256_permute2f128_ps(q0, q1, 0x31));
}

// max |x| of each of the eight blocks of 32 at x.
__m256 absMax8(const float* x) {
    const __m256 signMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 m[8];
    for (int b = 0; b < 8; ++b) {
        prefetchAhead(x + 32 * b);
        __m256 a = _mm256_and_ps(_mm256_loadu_ps(x + 32 * b), signMask);
        for (int k = 1; k < 4; ++k)
            a = _mm256_max_ps(a, _mm256_and_ps(_mm256_loadu_ps(x + 32 * b + 8 * k), signMask));
        m[b] = a;
    }
    return reduceLanes<MaxOp>(m);
}

// d != 0 ? 1 / d : 0, and a bit per lane where that is finite (the vector bodies' rule).
__m256 inverseOrZero(__m256 d, int& finite) {
    const __m256 nonZero = _mm256_cmp_ps(d, _mm256_setzero_ps(), _CMP_NEQ_OQ);
    const __m256 id = _mm256_and_ps(_mm256_div_ps(_mm256_set1_ps(1.0f), d), nonZero);
    const __m256 absId = _mm256_and_ps(id, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)));
    finite = _mm256_movemask_ps(_mm256_cmp_ps(absId, _mm256_set1_ps(INFINITY), _CMP_LT_OQ));
    return id;
}

// Scales and codes of eight blocks from their d: the reference's own code for a block
// whose 1/d is not finite.
template <typename Block, typename Codes, typename Reference>
void writeBlocks8(const float* x, __m256 d, std::byte* out, Codes codes, Reference reference) {
    int finite = 0;
    alignas(32) float ds[8], ids[8];
    _mm256_store_ps(ids, inverseOrZero(d, finite));
    _mm256_store_ps(ds, d);
    for (int b = 0; b < 8; ++b) {
        std::byte* o = out + b * int64_t(sizeof(Block));
        if (!((finite >> b) & 1)) {
            reference(x + 32 * b, o, 32);
            continue;
        }
        const uint16_t half = floatToHalf(ds[b]);
        std::memcpy(o, &half, sizeof half); // Block::d leads both layouts
        codes(x + 32 * b, ids[b], o + offsetof(Block, qs));
    }
}

void quantize8BlocksQ8_0(const float* x, std::byte* out) {
    const __m256 d = _mm256_div_ps(absMax8(x), _mm256_set1_ps(127.0f));
    writeBlocks8<BlockQ8_0>(x, d, out, codesQ8_0, quantizeRowQ8_0Ref);
}

// Q4_0's scale comes from the first value of largest magnitude. Where a block's maximum
// is +amax and its minimum is not -amax that value is +amax, and the reverse; only a
// block holding both (a tie of signs) needs the first-hit scan.
void quantize8BlocksQ4_0(const float* x, std::byte* out) {
    const __m256 signMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 mAbs[8], mMax[8], mMin[8];
    for (int b = 0; b < 8; ++b) {
        prefetchAhead(x + 32 * b);
        const __m256 v0 = _mm256_loadu_ps(x + 32 * b);
        mAbs[b] = _mm256_and_ps(v0, signMask);
        mMax[b] = mMin[b] = v0;
        for (int k = 1; k < 4; ++k) {
            const __m256 v = _mm256_loadu_ps(x + 32 * b + 8 * k);
            mAbs[b] = _mm256_max_ps(mAbs[b], _mm256_and_ps(v, signMask));
            mMax[b] = _mm256_max_ps(mMax[b], v);
            mMin[b] = _mm256_min_ps(mMin[b], v);
        }
    }
    const __m256 amax = reduceLanes<MaxOp>(mAbs);
    const __m256 negAmax = _mm256_xor_ps(amax, _mm256_set1_ps(-0.0f));
    const __m256 hasPos = _mm256_cmp_ps(reduceLanes<MaxOp>(mMax), amax, _CMP_EQ_OQ);
    const __m256 hasNeg = _mm256_cmp_ps(reduceLanes<MinOp>(mMin), negAmax, _CMP_EQ_OQ);
    const __m256 nonZero = _mm256_cmp_ps(amax, _mm256_setzero_ps(), _CMP_NEQ_OQ);
    alignas(32) float signedMax[8];
    _mm256_store_ps(signedMax, _mm256_blendv_ps(negAmax, amax, hasPos));
    int ties = _mm256_movemask_ps(_mm256_and_ps(_mm256_and_ps(hasPos, hasNeg), nonZero));
    for (; ties != 0; ties &= ties - 1) {
        const int b = __builtin_ctz(unsigned(ties));
        signedMax[b] = signedAbsMax(x + 32 * b, blockAbs(x + 32 * b));
    }
    const __m256 d = _mm256_div_ps(_mm256_load_ps(signedMax), _mm256_set1_ps(-8.0f));
    writeBlocks8<BlockQ4_0>(x, d, out, codesQ4_0, quantizeRowQ4_0Ref);
}

// Whole groups of eight blocks, then the rest one block at a time.
template <typename Block, typename Blocks8, typename EncodeBlock, typename Reference>
void quantizeRowBatched(const float* x, std::byte* dst, int64_t n, Blocks8 blocks8,
                        EncodeBlock encode, Reference reference) {
    const int64_t batched = n / 256 * 256;
    for (int64_t j = 0; j < batched; j += 256)
        blocks8(x + j, dst + j / 32 * int64_t(sizeof(Block)));
    quantizeRowBlocks<Block>(x + batched, dst + batched / 32 * int64_t(sizeof(Block)), n - batched,
                             encode, reference);
}

} // namespace

void quantizeRowQ8_0Avx2(const float* x, std::byte* dst, int64_t n) {
    // A lambda, not the function's address: an instance of the template that only this
    // file uses, so no AVX2 copy can stand in for the SSE2 file's (or the reverse).
    const auto encode = [](const float* b, BlockQ8_0& y) { return quantizeBlockQ8_0(b, y); };
    quantizeRowBatched<BlockQ8_0>(x, dst, n, quantize8BlocksQ8_0, encode, quantizeRowQ8_0Ref);
}

void quantizeRowQ4_0Avx2(const float* x, std::byte* dst, int64_t n) {
    const auto encode = [](const float* b, BlockQ4_0& y) { return quantizeBlockQ4_0(b, y); };
    quantizeRowBatched<BlockQ4_0>(x, dst, n, quantize8BlocksQ4_0, encode, quantizeRowQ4_0Ref);
}

bool cpuHasF16c() {
    static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c");
    return has;
}

// vcvtps2ph rounds to nearest even with IEEE subnormals, overflow to Inf and signed zeros,
// as floatToHalf does; only NaN differs (the instruction keeps payload bits, floatToHalf
// writes one quiet NaN), so a group of 8 with a NaN takes floatToHalf.
void convertRowF16F16c(const float* x, std::byte* dst, int64_t n) {
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        const __m256 v = _mm256_loadu_ps(x + j);
        if (_mm256_movemask_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q)) != 0) {
            convertRowF16(x + j, dst + 2 * j, 8);
            continue;
        }
        const __m128i h = _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 2 * j), h);
    }
    convertRowF16(x + j, dst + 2 * j, n - j);
}

} // namespace ql
#else
namespace ql {
bool cpuHasF16c() {
    return false;
}
void convertRowF16F16c(const float* x, std::byte* dst, int64_t n) {
    convertRowF16(x, dst, n);
}
void quantizeRowQ8_0Avx2(const float* x, std::byte* dst, int64_t n) {
    quantizeRowQ8_0Ref(x, dst, n);
}
void quantizeRowQ4_0Avx2(const float* x, std::byte* dst, int64_t n) {
    quantizeRowQ4_0Ref(x, dst, n);
}
} // namespace ql
#endif
