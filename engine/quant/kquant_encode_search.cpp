#include "engine/quant/kquant_encode_search.h"

#include <algorithm>
#include <cmath>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ql::kquant {
namespace {

// The value of largest magnitude with its sign (the first one on ties).
float signedAbsMax(int n, const float* x, float& amax) {
    float max = 0.0f;
    amax = 0.0f;
    for (int i = 0; i < n; ++i) {
        const float ax = std::fabs(x[i]);
        if (ax > amax) {
            amax = ax;
            max = x[i];
        }
    }
    return max;
}

int clampSymmetric(int l, int nmax) {
    return std::max(-nmax, std::min(nmax - 1, l));
}

float weightOrSquare(const float* weights, const float* x, int i) {
    return weights ? weights[i] : x[i] * x[i];
}

// Sums of w*x*l and w*l*l for the codes of one inverse scale on the symmetric grid.
void symmetricSums(int n, int nmax, const float* x, const float* weights, float iscale,
                   float& sumlx, float& suml2) {
    sumlx = 0.0f;
    suml2 = 0.0f;
    for (int i = 0; i < n; ++i) {
        const float l = float(clampSymmetric(nearestInt(iscale * x[i]), nmax));
        const float w = weightOrSquare(weights, x, i);
        sumlx += w * x[i] * l;
        suml2 += w * l * l;
    }
}

void symmetricCodes(int n, int nmax, const float* x, float iscale, int8_t* L) {
    for (int i = 0; i < n; ++i)
        L[i] = int8_t(nmax + clampSymmetric(nearestInt(iscale * x[i]), nmax));
}

} // namespace

float symmetricScaleSearch(int n, int nmax, const float* x, int8_t* L, const float* weights) {
    float amax;
    const float max = signedAbsMax(n, x, amax);
    if (amax < kGroupMaxEps) {
        std::fill(L, L + n, int8_t(0));
        return 0.0f;
    }
    float iscale = -float(nmax) / max;
    symmetricCodes(n, nmax, x, iscale, L);
    float sumlx, suml2;
    symmetricSums(n, nmax, x, weights, iscale, sumlx, suml2);
    float scale = suml2 != 0.0f ? sumlx / suml2 : 0.0f;
    float best = scale * sumlx;
    for (int is = -9; is <= 9; ++is) {
        if (is == 0)
            continue;
        iscale = -(float(nmax) + 0.1f * float(is)) / max;
        symmetricSums(n, nmax, x, weights, iscale, sumlx, suml2);
        if (suml2 > 0.0f && sumlx * sumlx > best * suml2) {
            symmetricCodes(n, nmax, x, iscale, L);
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    return scale;
}

float symmetricScaleRefine(int n, int nmax, const float* x, int8_t* L) {
    float amax;
    const float max = signedAbsMax(n, x, amax);
    if (amax < kGroupMaxEps) {
        std::fill(L, L + n, int8_t(0));
        return 0.0f;
    }
    const float iscale = -float(nmax) / max;
    float sumlx = 0.0f, suml2 = 0.0f;
    for (int i = 0; i < n; ++i) {
        const int l = clampSymmetric(nearestInt(iscale * x[i]), nmax);
        L[i] = int8_t(l);
        const float w = x[i] * x[i];
        sumlx += w * x[i] * float(l);
        suml2 += w * float(l) * float(l);
    }
    for (int itry = 0; itry < 5; ++itry) {
        int changed = 0;
        for (int i = 0; i < n; ++i) {
            const float w = x[i] * x[i];
            float slx = sumlx - w * x[i] * float(L[i]);
            if (slx <= 0.0f)
                continue;
            float sl2 = suml2 - w * float(L[i]) * float(L[i]);
            const int newL = clampSymmetric(nearestInt(x[i] * sl2 / slx), nmax);
            if (newL == L[i])
                continue;
            slx += w * x[i] * float(newL);
            sl2 += w * float(newL) * float(newL);
            if (sl2 > 0.0f && slx * slx * suml2 > sumlx * sumlx * sl2) {
                L[i] = int8_t(newL);
                sumlx = slx;
                suml2 = sl2;
                ++changed;
            }
        }
        if (!changed)
            break;
    }
    for (int i = 0; i < n; ++i)
        L[i] = int8_t(L[i] + nmax);
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

namespace {

constexpr int kMaxGroup = 32; // the longest group any encoder searches

float errorTerm(float diff, bool useMad) {
    return useMad ? std::fabs(diff) : diff * diff;
}

// Shared body of make_qkx2_quants (robust = false) and make_qkx3_quants (robust = true).
float asymmetricSearch(int n, int nmax, const float* x, const float* weights, uint8_t* L,
                       float* negMin, uint8_t* Laux, AsymmetricSearch s, bool robust) {
    float min = x[0], max = x[0];
    float sumW = weightOrSquare(weights, x, 0);
    float sumX = sumW * x[0];
    for (int i = 1; i < n; ++i) {
        min = std::min(min, x[i]);
        max = std::max(max, x[i]);
        const float w = weightOrSquare(weights, x, i);
        sumW += w;
        sumX += w * x[i];
    }
    if (min > 0.0f)
        min = 0.0f;
    if (robust ? max <= min : max == min) {
        std::fill(L, L + n, uint8_t(0));
        *negMin = -min;
        return 0.0f;
    }
    float iscale = float(nmax) / (max - min);
    float scale = 1.0f / iscale;
    float bestError = 0.0f;
    for (int i = 0; i < n; ++i) {
        const int l = nearestInt(iscale * (x[i] - min));
        L[i] = uint8_t(std::max(0, std::min(nmax, l)));
        const float diff = scale * float(L[i]) + min - x[i];
        bestError += weightOrSquare(weights, x, i) * errorTerm(diff, s.useMad);
    }
    if (s.nstep < 1) {
        *negMin = -min;
        return scale;
    }
    for (int is = 0; is <= s.nstep; ++is) {
        iscale = (s.rmin + s.rdelta * float(is) + float(nmax)) / (max - min);
        float sumL = 0.0f, sumL2 = 0.0f, sumXL = 0.0f;
        for (int i = 0; i < n; ++i) {
            const float v = iscale * (x[i] - min);
            int l;
            if (robust)
                l = v > 0.0f ? nearestInt(std::min(v, float(nmax))) : 0;
            else
                l = std::max(0, std::min(nmax, nearestInt(v)));
            Laux[i] = uint8_t(l);
            const float w = weightOrSquare(weights, x, i);
            sumL += w * float(l);
            sumL2 += w * float(l) * float(l);
            sumXL += w * float(l) * x[i];
        }
        const float D = sumW * sumL2 - sumL * sumL;
        if (!(D > 0.0f))
            continue;
        float thisScale = (sumW * sumXL - sumX * sumL) / D;
        float thisMin = (sumL2 * sumX - sumL * sumXL) / D;
        if (thisMin > 0.0f) {
            thisMin = 0.0f;
            thisScale = sumXL / sumL2;
        }
        float error = 0.0f;
        for (int i = 0; i < n; ++i) {
            const float diff = thisScale * float(Laux[i]) + thisMin - x[i];
            error += weightOrSquare(weights, x, i) * errorTerm(diff, s.useMad);
        }
        if (error < bestError) {
            std::copy(Laux, Laux + n, L);
            bestError = error;
            scale = thisScale;
            min = thisMin;
        }
    }
    *negMin = -min;
    return scale;
}

} // namespace

float asymmetricScaleSearch(int n, int nmax, const float* x, const float* weights, uint8_t* L,
                            float* negMin, uint8_t* Laux, AsymmetricSearch s) {
    return asymmetricSearch(n, nmax, x, weights, L, negMin, Laux, s, false);
}

float asymmetricScaleSearchRobust(int n, int nmax, const float* x, const float* weights, uint8_t* L,
                                  float* negMin, uint8_t* Laux, AsymmetricSearch s) {
    return asymmetricSearch(n, nmax, x, weights, L, negMin, Laux, s, true);
}

float positiveScaleSearch(int n, int nmax, const float* x, uint8_t* L, const float* quantWeights) {
    float max = 0.0f;
    for (int i = 0; i < n; ++i)
        max = std::max(max, x[i]);
    if (max < kGroupMaxEps) {
        std::fill(L, L + n, uint8_t(0));
        return 0.0f;
    }
    float iscale = float(nmax) / max;
    float scale = 1.0f / iscale;
    float bestMse = 0.0f;
    for (int i = 0; i < n; ++i) {
        L[i] = uint8_t(nearestInt(iscale * x[i]));
        const float diff = x[i] - scale * float(L[i]);
        bestMse += quantWeights[i] * diff * diff;
    }
    for (int is = -4; is <= 4; ++is) {
        if (is == 0)
            continue;
        const float iscaleIs = (0.1f * float(is) + float(nmax)) / max;
        const float scaleIs = 1.0f / iscaleIs;
        float mse = 0.0f;
        for (int i = 0; i < n; ++i) {
            const int l = std::min(nmax, nearestInt(iscaleIs * x[i]));
            const float diff = x[i] - scaleIs * float(l);
            mse += quantWeights[i] * diff * diff;
        }
        if (mse < bestMse) {
            bestMse = mse;
            iscale = iscaleIs;
        }
    }
    float sumlx = 0.0f, suml2 = 0.0f;
    for (int i = 0; i < n; ++i) {
        const int l = std::min(nmax, nearestInt(iscale * x[i]));
        L[i] = uint8_t(l);
        const float w = quantWeights[i];
        sumlx += w * x[i] * float(l);
        suml2 += w * float(l) * float(l);
    }
    for (int itry = 0; itry < 5; ++itry) {
        int changed = 0;
        for (int i = 0; i < n; ++i) {
            const float w = quantWeights[i];
            float slx = sumlx - w * x[i] * float(L[i]);
            float sl2 = suml2 - w * float(L[i]) * float(L[i]);
            if (!(slx > 0.0f && sl2 > 0.0f))
                continue;
            const int newL = std::min(nmax, nearestInt(x[i] * sl2 / slx));
            if (newL == L[i])
                continue;
            slx += w * x[i] * float(newL);
            sl2 += w * float(newL) * float(newL);
            if (slx * slx * suml2 > sumlx * sumlx * sl2) {
                L[i] = uint8_t(newL);
                sumlx = slx;
                suml2 = sl2;
                ++changed;
            }
        }
        if (!changed)
            break;
    }
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

void importanceWeights(int n, const float* x, const float* imp, float sigma2Factor, int group,
                       float* weights, float* sw) {
    float sumX2 = 0.0f;
    for (int j = 0; j < n; ++j)
        sumX2 += x[j] * x[j];
    const float sigma2 = sigma2Factor * sumX2 / float(n);
    weightsFromImportance(n, x, imp, sigma2, weights);
    for (int j = 0; j < n / group; ++j) {
        float sumW = 0.0f;
        for (int l = 0; l < group; ++l)
            sumW += weights[group * j + l];
        sw[j] = sumW;
    }
}

void weightsFromImportance(int64_t n, const float* x, const float* imp, float sigma2,
                           float* weights) {
    // sqrtps rounds as sqrtf does; std::sqrt's errno path kept GCC from vectorising this.
    int64_t j = 0;
#if defined(__SSE2__)
    const __m128 s2 = _mm_set1_ps(sigma2);
    for (; j + 4 <= n; j += 4) {
        const __m128 v = _mm_loadu_ps(x + j);
        const __m128 r = _mm_sqrt_ps(_mm_add_ps(s2, _mm_mul_ps(v, v)));
        _mm_storeu_ps(weights + j, _mm_mul_ps(_mm_loadu_ps(imp + j), r));
    }
#endif
    for (; j < n; ++j)
        weights[j] = imp[j] * std::sqrt(sigma2 + x[j] * x[j]);
}

void asymmetricScaleSearches(const LaneSearches* lanes, int count, int n, const float* x,
                             const float* weights, int nmax, AsymmetricSearch s, bool robust,
                             float* scales, float* negMins, uint8_t* L) {
    const int done =
        lanes ? lanes->asymmetric(count, n, x, weights, nmax, s, robust, scales, negMins, L) : 0;
    uint8_t Laux[kMaxGroup];
    for (int g = done; g < count; ++g) {
        const float* w = weights ? weights + g * n : nullptr;
        scales[g] =
            asymmetricSearch(n, nmax, x + g * n, w, L + g * n, negMins + g, Laux, s, robust);
    }
}

void symmetricScaleSearches(const LaneSearches* lanes, int count, int n, const float* x,
                            const float* weights, int nmax, float* scales, int8_t* L) {
    const int done = lanes ? lanes->symmetric(count, n, x, weights, nmax, scales, L) : 0;
    for (int g = done; g < count; ++g)
        scales[g] = symmetricScaleSearch(n, nmax, x + g * n, L + g * n,
                                         weights ? weights + g * n : nullptr);
}

void symmetricScaleRefines(const LaneSearches* lanes, int count, int n, const float* x, int nmax,
                           float* scales, int8_t* L) {
    const int done = lanes ? lanes->refine(count, n, x, nmax, scales, L) : 0;
    for (int g = done; g < count; ++g)
        scales[g] = symmetricScaleRefine(n, nmax, x + g * n, L + g * n);
}

} // namespace ql::kquant
