// The analysis row pass compiled for AVX-512 (F, DQ, VL), 16 weights per step; only
// called after a run-time check that the CPU has them (analysisHasAvx512). Each weight is
// binned by comparing it with the exact thresholds of analysis_bins.h (looked up by
// permutes); the error sums stay in element order (one vector lane per sum, added to one
// weight after the other), so the vector work runs beside the sums' dependency chain.
#include "engine/quant/analysis_row.h"

#if defined(__x86_64__)

#include <algorithm>
#include <bit>
#include <cmath>

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl")
// GCC 12's AVX-512 headers start some results from _mm512_undefined_*(), which
// -Wuninitialized reports at every inlined use; nothing here reads an undefined lane.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

namespace ql {
namespace {

struct Consts {
    __m512d errorSlope, errorOffset, zero, lastErrorBin;
    __m512d errorAt[4]; // the 32 error thresholds, looked up by permutes (gathers are slow)
    __m512 weightAt[5]; // the 80 weight thresholds
    __m512 weightMean, weightSlope, weightFirst, zeroF, lastWeightBin;
    __m512 k3Above, k3Below, k6Above, k6Below;

    explicit Consts(const AnalysisBins& b)
        : errorSlope(_mm512_set1_pd(b.errorGuessSlope))
        , errorOffset(_mm512_set1_pd(b.errorGuessOffset))
        , zero(_mm512_setzero_pd())
        , lastErrorBin(_mm512_set1_pd(29.0))
        , weightMean(_mm512_set1_ps(b.weightGuessMean))
        , weightSlope(_mm512_set1_ps(b.weightGuessSlope))
        , weightFirst(_mm512_set1_ps(33.0f)) // z = -8 .. -7.75 is bin 1: bin = 4 z + 33
        , zeroF(_mm512_setzero_ps())
        , lastWeightBin(_mm512_set1_ps(65.0f))
        , k3Above(_mm512_set1_ps(b.k3Above))
        , k3Below(_mm512_set1_ps(b.k3Below))
        , k6Above(_mm512_set1_ps(b.k6Above))
        , k6Below(_mm512_set1_ps(b.k6Below)) {
        for (int i = 0; i < 4; ++i)
            errorAt[i] = _mm512_loadu_pd(b.errorAt.data() + 8 * i);
        for (int i = 0; i < 5; ++i)
            weightAt[i] = _mm512_loadu_ps(b.weightAt.data() + 16 * i);
    }
};

// errorAt[i] for eight indices 0..31.
__m512d errorThresholds(const Consts& c, __m512i i) {
    const __m512d low = _mm512_permutex2var_pd(c.errorAt[0], i, c.errorAt[1]);
    const __m512d high = _mm512_permutex2var_pd(c.errorAt[2], i, c.errorAt[3]);
    return _mm512_mask_blend_pd(_mm512_test_epi64_mask(i, _mm512_set1_epi64(16)), low, high);
}

// weightAt[i] for sixteen indices 0..79.
__m512 weightThresholds(const Consts& c, __m512i i) {
    const __m512 first = _mm512_permutex2var_ps(c.weightAt[0], i, c.weightAt[1]);
    const __m512 second = _mm512_permutex2var_ps(c.weightAt[2], i, c.weightAt[3]);
    const __m512 third = _mm512_permutexvar_ps(i, c.weightAt[4]);
    const __m512 below64 =
        _mm512_mask_blend_ps(_mm512_test_epi32_mask(i, _mm512_set1_epi32(32)), first, second);
    return _mm512_mask_blend_ps(_mm512_cmpge_epi32_mask(i, _mm512_set1_epi32(64)), below64, third);
}

// Error bins of eight |q - w| into out; returns the lanes that are NaN (for the fallback).
__mmask8 errorBins8(const Consts& c, __m512d a, int32_t* out) {
    // The guess is the bin or the one below it (analysisBins); one threshold settles it.
    __m512d g = _mm512_add_pd(
        _mm512_mul_pd(_mm512_cvtepi64_pd(_mm512_castpd_si512(a)), c.errorSlope), c.errorOffset);
    g = _mm512_min_pd(_mm512_max_pd(g, c.zero), c.lastErrorBin);
    const __m512i guess = _mm512_cvttpd_epi64(g);
    const __m512i one = _mm512_set1_epi64(1);
    const __m512d next = errorThresholds(c, _mm512_add_epi64(guess, one));
    const __mmask8 up = _mm512_cmp_pd_mask(a, next, _CMP_GE_OQ);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out),
                        _mm512_cvtepi64_epi32(_mm512_mask_add_epi64(guess, up, guess, one)));
    return _mm512_cmp_pd_mask(a, a, _CMP_UNORD_Q);
}

// Weight bins of sixteen weights into out; returns the lanes whose guess missed.
__mmask16 weightBins16(const Consts& c, __m512 w, int32_t* out) {
    __m512 g =
        _mm512_add_ps(_mm512_mul_ps(_mm512_sub_ps(w, c.weightMean), c.weightSlope), c.weightFirst);
    g = _mm512_min_ps(_mm512_max_ps(g, c.zeroF), c.lastWeightBin); // NaN becomes 0
    const __m512i guess = _mm512_cvttps_epi32(g);
    const __m512 lo = weightThresholds(c, guess);
    const __m512 hi = weightThresholds(c, _mm512_add_epi32(guess, _mm512_set1_epi32(1)));
    _mm512_storeu_si512(out, guess);
    const __mmask16 inBin =
        _mm512_cmp_ps_mask(w, lo, _CMP_GE_OQ) & ~_mm512_cmp_ps_mask(w, hi, _CMP_GE_OQ);
    return __mmask16(~inBin);
}

// Adds the w^2, q^2, w q and e^2 of eight weights to sums (lanes: w2, q2, wq, e2), one
// weight after the other: each lane is one running sum, added to in element order, so
// its rounding is that of the reference's scalar sum.
__m256d addInOrder(__m256d sums, __m512d ww, __m512d qq, __m512d wq, __m512d ee) {
    const __m512d even0 = _mm512_unpacklo_pd(ww, qq); // ww0 qq0 | ww2 qq2 | ww4 qq4 | ww6 qq6
    const __m512d odd0 = _mm512_unpackhi_pd(ww, qq);  // ww1 qq1 | ww3 qq3 | ...
    const __m512d even1 = _mm512_unpacklo_pd(wq, ee);
    const __m512d odd1 = _mm512_unpackhi_pd(wq, ee);
    const __m512i first = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
    const __m512i second = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
    const __m512d w02 = _mm512_permutex2var_pd(even0, first, even1); // weights 0 | 2
    const __m512d w13 = _mm512_permutex2var_pd(odd0, first, odd1);   // 1 | 3
    const __m512d w46 = _mm512_permutex2var_pd(even0, second, even1);
    const __m512d w57 = _mm512_permutex2var_pd(odd0, second, odd1);
    sums = _mm256_add_pd(sums, _mm512_castpd512_pd256(w02));
    sums = _mm256_add_pd(sums, _mm512_castpd512_pd256(w13));
    sums = _mm256_add_pd(sums, _mm512_extractf64x4_pd(w02, 1));
    sums = _mm256_add_pd(sums, _mm512_extractf64x4_pd(w13, 1));
    sums = _mm256_add_pd(sums, _mm512_castpd512_pd256(w46));
    sums = _mm256_add_pd(sums, _mm512_castpd512_pd256(w57));
    sums = _mm256_add_pd(sums, _mm512_extractf64x4_pd(w46, 1));
    return _mm256_add_pd(sums, _mm512_extractf64x4_pd(w57, 1));
}

} // namespace

bool analysisHasAvx512() {
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl");
}

RowOutliers analyseRowAvx512(const AnalysisBins& b, const float* w, const float* q, int64_t cols,
                             RunningErrorSums& s, AnalysisTally& tally) {
    const Consts c(b);
    RowOutliers row;
    __m256d sums = _mm256_setr_pd(s.w2, s.q2, s.wq, s.e2);
    __m512d maxAbs = c.zero;
    int64_t* errorCounts = tally.errorCopies.data();
    int64_t* weightCounts = tally.weightCopies.data();
    int64_t* colK3 = tally.columns.k3.data();
    int64_t* colK6 = tally.columns.k6.data();
    alignas(64) int32_t errorBin[16], weightBin[16];
    int64_t j = 0;
    for (; j + 16 <= cols; j += 16) {
        const __m512 wf = _mm512_loadu_ps(w + j), qf = _mm512_loadu_ps(q + j);
        __mmask16 errorNaN = 0;
        for (int h = 0; h < 2; ++h) {
            const __m512d wd =
                _mm512_cvtps_pd(h ? _mm512_extractf32x8_ps(wf, 1) : _mm512_castps512_ps256(wf));
            const __m512d qd =
                _mm512_cvtps_pd(h ? _mm512_extractf32x8_ps(qf, 1) : _mm512_castps512_ps256(qf));
            const __m512d e = _mm512_sub_pd(qd, wd);
            sums = addInOrder(sums, _mm512_mul_pd(wd, wd), _mm512_mul_pd(qd, qd),
                              _mm512_mul_pd(wd, qd), _mm512_mul_pd(e, e));
            const __m512d a = _mm512_abs_pd(e);
            maxAbs = _mm512_max_pd(a, maxAbs); // a NaN keeps the old maximum, as std::max
            errorNaN |= __mmask16(errorBins8(c, a, errorBin + 8 * h)) << (8 * h);
        }
        const __mmask16 weightMissed = weightBins16(c, wf, weightBin);
        for (__mmask16 m = errorNaN; m; m &= __mmask16(m - 1)) {
            const int k = std::countr_zero(unsigned(m));
            errorBin[k] = analysis_detail::errorBinOfWeight(b, w[j + k], q[j + k]);
        }
        for (__mmask16 m = weightMissed; m; m &= __mmask16(m - 1)) {
            const int k = std::countr_zero(unsigned(m));
            weightBin[k] = analysis_detail::weightBinOfWeight(b, w[j + k]);
        }
        const __mmask16 k3 = _mm512_cmp_ps_mask(wf, c.k3Above, _CMP_GE_OQ) |
                             _mm512_cmp_ps_mask(wf, c.k3Below, _CMP_LE_OQ);
        const __mmask16 k6 = _mm512_cmp_ps_mask(wf, c.k6Above, _CMP_GE_OQ) |
                             _mm512_cmp_ps_mask(wf, c.k6Below, _CMP_LE_OQ);
        row.k3 += std::popcount(unsigned(k3));
        row.k6 += std::popcount(unsigned(k6));
        for (__mmask16 m = k3 | k6; m; m &= __mmask16(m - 1)) {
            const int k = std::countr_zero(unsigned(m));
            colK3[j + k] += (k3 >> k) & 1;
            colK6[j + k] += (k6 >> k) & 1;
        }
        for (int k = 0; k < 16; ++k) {
            ++errorCounts[(k % AnalysisTally::kCopies) * AnalysisTally::kErrorStride + errorBin[k]];
            ++weightCounts[(k % AnalysisTally::kCopies) * AnalysisTally::kWeightStride +
                           weightBin[k]];
        }
    }
    alignas(32) double total[4];
    _mm256_store_pd(total, sums);
    s.w2 = total[0];
    s.q2 = total[1];
    s.wq = total[2];
    s.e2 = total[3];
    s.maxAbs = std::max(s.maxAbs, _mm512_reduce_max_pd(maxAbs));
    for (; j < cols; ++j)
        analysis_detail::analyseWeight(b, w[j], q[j], j, s, tally, row);
    s.count += double(cols);
    return row;
}

} // namespace ql

#pragma GCC diagnostic pop
#pragma GCC pop_options

#endif // __x86_64__
