// q4_k-lsq (kquant_lsq.h): the scalar lanes, the reference for the vector kernels of
// kquant_lsq_kernel.inc (same operations, same order: std::fma where they fuse), and
// the per-super-block steps all levels share.
#include "engine/quant/kquant_lsq.h"

#include "engine/quant/kquant_encode_k4.h"
#include "engine/quant/kquant_lsq_lanes.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ql {
namespace kquant::lsq::scalar {
namespace {

constexpr int W = kLanes;

// clamp(round(a * b), 0, 15), the product rounded once (kquant_lsq_kernel.inc's code).
float code(float a, float b) {
    float shifted = std::fma(a, b, kRoundShift);
    shifted = shifted < kRoundShift + 15.0f ? shifted : kRoundShift + 15.0f;
    shifted = shifted > kRoundShift ? shifted : kRoundShift;
    return shifted - kRoundShift;
}

struct Sums {
    float l = 0.0f, l2 = 0.0f, xl = 0.0f;
    void add(float x, float c) {
        l = l + c;
        l2 = std::fma(c, c, l2);
        xl = std::fma(x, c, xl);
    }
};

struct Moments {
    float x = 0.0f, x2 = 0.0f, tol = 0.0f;
};

struct Fit {
    float s, m, err;
};

Fit leastSquares(const Sums& c, const Moments& mo) {
    const float n = float(kSub);
    const float D = n * c.l2 - c.l * c.l;
    const float sD = (n * c.xl - mo.x * c.l) / D;
    const float mD = (c.l2 * mo.x - c.l * c.xl) / D;
    const float s0 = c.l2 > 0.0f ? c.xl / c.l2 : 0.0f;
    const bool useD = D > 0.0f && mD <= 0.0f;
    Fit f{useD ? sD : s0, useD ? mD : 0.0f, 0.0f};
    f.s = f.s > 0.0f ? f.s : 0.0f;
    f.err = ((((mo.x2 - (2.0f * f.s) * c.xl) - (2.0f * f.m) * mo.x) + (f.s * f.s) * c.l2) +
             ((2.0f * f.s) * f.m) * c.l) +
            (n * f.m) * f.m;
    return f;
}

struct Best {
    float s, m, err;
    void offer(const Fit& f, bool allowed, const Moments& mo) {
        if (allowed && f.err < err - mo.tol) {
            s = f.s;
            m = f.m;
            err = f.err;
        }
    }
};

void fitOne(const float* x, float& scale, float& negMin) {
    float lo = x[0], mx = x[0];
    Moments mo;
    for (int i = 0; i < kSub; ++i) {
        lo = lo < x[i] ? lo : x[i]; // minps(lo, v) and maxps(mx, v): NaN in x wins
        mx = mx > x[i] ? mx : x[i];
        mo.x = mo.x + x[i];
        mo.x2 = std::fma(x[i], x[i], mo.x2);
    }
    mo.tol = kTieShare * mo.x2;
    const float mn = lo < 0.0f ? lo : 0.0f;
    const float range = mx - mn;
    Best best{range / 15.0f, mn, std::numeric_limits<float>::infinity()};
    for (float nmax : kCandidates) {
        const float iscale = nmax / range;
        Sums c;
        for (int i = 0; i < kSub; ++i) {
            c.add(x[i], code(iscale, x[i] - mn));
        }
        best.offer(leastSquares(c, mo), range == range, mo);
    }
    const bool positive = best.s > 0.0f;
    const float inv = positive ? 1.0f / best.s : 0.0f;
    Sums c;
    for (int i = 0; i < kSub; ++i)
        c.add(x[i], code(x[i] - best.m, inv));
    best.offer(leastSquares(c, mo), positive, mo);
    scale = range == 0.0f ? 0.0f : best.s;
    negMin = -(range == 0.0f ? mn : best.m);
}

// One lane of refine(): sub-block x under super-scales dsc[2] and min step dm.
void refineOne(const float* x, float s, float negMin, const float* dsc, float dm, RefineOut& out,
               int k) {
    const float rm = std::nearbyint(negMin / dm);
    const float lm0 = dm > 0.0f ? (rm < 63.0f ? rm : 63.0f) : 0.0f;
    float ls0[2], bestErr[2], bestLs[2], bestLm[2];
    for (int c = 0; c < 2; ++c) {
        const float r = std::floor(s / dsc[c]) + 1.0f;
        ls0[c] = dsc[c] > 0.0f ? (r < 63.0f ? r : 63.0f) : 0.0f;
        bestErr[c] = std::numeric_limits<float>::infinity();
        bestLs[c] = ls0[c];
        bestLm[c] = lm0;
    }
    float t[kSub];
    for (int b = -1; b <= 1; ++b) {
        const float lm = lm0 + float(b);
        const bool lmValid = lm >= 0.0f && lm <= 63.0f;
        const float m1 = dm * lm;
        for (int i = 0; i < kSub; ++i)
            t[i] = x[i] + m1;
        for (int c = 0; c < 2; ++c) {
            for (int a = -1; a < kScaleSteps - 1; ++a) {
                const float ls = ls0[c] + float(a);
                const bool valid = lmValid && ls >= 0.0f && ls <= 63.0f;
                const float d1 = dsc[c] * ls;
                const float inv = d1 > 0.0f ? 1.0f / d1 : 0.0f;
                float err = 0.0f;
                for (int i = 0; i < kSub; ++i) {
                    const float diff = std::fma(-d1, code(t[i], inv), t[i]);
                    err = std::fma(diff, diff, err);
                }
                if (valid && err < bestErr[c]) {
                    bestErr[c] = err;
                    bestLs[c] = ls;
                    bestLm[c] = lm;
                }
            }
        }
    }
    for (int c = 0; c < 2; ++c) {
        out.ls[c][k] = uint8_t(bestLs[c]);
        out.lm[c][k] = uint8_t(bestLm[c]);
        out.err[c][k] = bestErr[c];
    }
}

} // namespace

void fit(const float* x, float* xt, float* scales, float* negMins) {
    for (int k = 0; k < W; ++k)
        for (int i = 0; i < kSub; ++i)
            xt[i * W + k] = x[k * kSub + i];
    for (int k = 0; k < W; ++k)
        fitOne(x + k * kSub, scales[k], negMins[k]);
}

void refine(const float* xt, const float* scales, const float* negMins, const float* dsc0,
            const float* dsc1, const float* dmn, RefineOut& out) {
    for (int k = 0; k < W; ++k) {
        float x[kSub];
        for (int i = 0; i < kSub; ++i)
            x[i] = xt[i * W + k];
        const float dsc[2] = {dsc0[k], dsc1[k]};
        refineOne(x, scales[k], negMins[k], dsc, dmn[k], out, k);
    }
}

void codes(const float* x, const float* d1, const float* m1, uint8_t* L) {
    for (int k = 0; k < W; ++k) {
        const float inv = d1[k] > 0.0f ? 1.0f / d1[k] : 0.0f;
        for (int i = 0; i < kSub; ++i)
            L[k * kSub + i] = uint8_t(code(x[k * kSub + i] + m1[k], inv));
    }
}

} // namespace kquant::lsq::scalar

namespace {

using namespace kquant;

struct LaneKernels {
    int lanes;
    void (*fit)(const float*, float*, float*, float*);
    void (*refine)(const float*, const float*, const float*, const float*, const float*,
                   const float*, lsq::RefineOut&);
    void (*codes)(const float*, const float*, const float*, uint8_t*);
};

constexpr LaneKernels kScalar{lsq::scalar::kLanes, lsq::scalar::fit, lsq::scalar::refine,
                              lsq::scalar::codes};
constexpr LaneKernels kAvx2{lsq::avx2::kLanes, lsq::avx2::fit, lsq::avx2::refine, lsq::avx2::codes};
constexpr LaneKernels kAvx512{lsq::avx512::kLanes, lsq::avx512::fit, lsq::avx512::refine,
                              lsq::avx512::codes};

// The AVX2 kernel fuses multiply-adds as the scalar lanes' std::fma does.
bool cpuHasFma() {
    static const bool has = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("fma") != 0;
    }();
    return has;
}

float maxOf(const float* v, int n) {
    float m = v[0];
    for (int j = 1; j < n; ++j)
        m = v[j] > m ? v[j] : m;
    return m;
}

constexpr int kMaxLanes = 16;

// fp16 of top / steps, but at least the smallest subnormal (0x0001) when top > 0: below
// 2^-25 it would round to 0 and zero a super-block of tiny but nonzero weights.
uint16_t nonZeroHalf(float top, float steps) {
    const uint16_t h = floatToHalf(top / steps);
    return top > 0.0f && (h & 0x7fff) == 0 ? uint16_t(0x0001) : h;
}

// A group's candidate fp16 super-scales: per super-block g, d = max scale / 63 or / 62
// (the second puts the largest scale at 62 steps, which can fit the other sub-blocks'
// scales better) and dmin = max min / 63; per lane, the values they decode to.
struct SuperScales {
    uint16_t d[2][2], dmin[2];
    float dsc[2][kMaxLanes], dmn[kMaxLanes];
};

SuperScales superScales(const float* scales, const float* negMins, int groups) {
    SuperScales s;
    for (int g = 0; g < groups; ++g) {
        const float maxScale = maxOf(scales + kK4SubBlocks * g, kK4SubBlocks);
        const float maxMin = maxOf(negMins + kK4SubBlocks * g, kK4SubBlocks);
        s.dmin[g] = nonZeroHalf(maxMin, 63.0f);
        s.d[g][0] = nonZeroHalf(maxScale, 63.0f);
        s.d[g][1] = nonZeroHalf(maxScale, 62.0f);
        for (int j = kK4SubBlocks * g; j < kK4SubBlocks * (g + 1); ++j) {
            s.dsc[0][j] = viaHalf(s.d[g][0]);
            s.dsc[1][j] = viaHalf(s.d[g][1]);
            s.dmn[j] = viaHalf(s.dmin[g]);
        }
    }
    return s;
}

// Super-block g takes the super-scale whose sub-blocks' summed error is lower (the first
// on a tie); its scale/min indices go into f, each lane's step and offset into d1, m1.
void choose(const SuperScales& s, const lsq::RefineOut& r, int g, K4Fields& f, float* d1,
            float* m1) {
    const int j0 = kK4SubBlocks * g;
    float total[2] = {0.0f, 0.0f};
    for (int c = 0; c < 2; ++c)
        for (int j = j0; j < j0 + kK4SubBlocks; ++j)
            total[c] += r.err[c][j];
    const int c = total[1] < total[0] ? 1 : 0;
    f.d = s.d[g][c];
    f.dmin = s.dmin[g];
    uint8_t ls[kK4SubBlocks], lm[kK4SubBlocks];
    for (int j = 0; j < kK4SubBlocks; ++j) {
        ls[j] = r.ls[c][j0 + j];
        lm[j] = r.lm[c][j0 + j];
        d1[j0 + j] = s.dsc[c][j0 + j] * float(ls[j]);
        m1[j0 + j] = s.dmn[j0 + j] * float(lm[j]);
    }
    packScaleMinK4(ls, lm, f.scales);
}

// lanes / 8 super-blocks from x into blocks first.. of dst.
void encodeGroup(const LaneKernels& kern, const float* x, std::byte* dst, int64_t first) {
    alignas(64) float xt[kMaxLanes * lsq::kSub];
    float scales[kMaxLanes], negMins[kMaxLanes], d1[kMaxLanes], m1[kMaxLanes];
    kern.fit(x, xt, scales, negMins);
    const int groups = kern.lanes / kK4SubBlocks;
    const SuperScales s = superScales(scales, negMins, groups);
    lsq::RefineOut r;
    kern.refine(xt, scales, negMins, s.dsc[0], s.dsc[1], s.dmn, r);
    K4Fields f[2];
    for (int g = 0; g < groups; ++g)
        choose(s, r, g, f[g], d1, m1);
    uint8_t L[kMaxLanes * lsq::kSub];
    kern.codes(x, d1, m1, L);
    for (int g = 0; g < groups; ++g) {
        std::copy(L + g * kQK_K, L + (g + 1) * kQK_K, f[g].L);
        storeQ4_K(f[g], dst, first + g);
    }
}

} // namespace

void quantizeRowQ4_KLsq(const float* x, std::byte* dst, int64_t n, SimdLevel level) {
    level = std::min(level, detectedSimdLevel());
    const int64_t blocks = n / kQK_K;
    int64_t i = 0;
    const auto run = [&](const LaneKernels& kern) {
        const int g = kern.lanes / kK4SubBlocks;
        for (; i + g <= blocks; i += g)
            encodeGroup(kern, x + i * kQK_K, dst, i);
    };
    if (level == SimdLevel::Avx512)
        run(kAvx512);
    if (level != SimdLevel::Scalar && cpuHasFma())
        run(kAvx2);
    run(kScalar);
}

void quantizeRowQ4_KLsq(const float* x, std::byte* dst, int64_t n) {
    quantizeRowQ4_KLsq(x, dst, n, detectedSimdLevel());
}

} // namespace ql
