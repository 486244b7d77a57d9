// ggml's make_qkx2_quants (not robust) for the searched K-quant shaders, in the C code's
// order (engine/quant/kquant_encode_search.cpp) through checked_float.glsl. The including
// shader defines QL_SEARCH_VALUES (values per sub-block: 32 for Q4_K/Q5_K, 16 for Q2_K);
// codes are bytes, four per word.
#ifndef QL_KQUANT_SEARCH_GLSL
#define QL_KQUANT_SEARCH_GLSL

#include "checked_float.glsl"

#define QL_SEARCH_WORDS (QL_SEARCH_VALUES / 4)

uint codeOf(uint packed[QL_SEARCH_WORDS], uint i) { return (packed[i / 4u] >> (8u * (i % 4u))) & 0xffu; }
void setCode(inout uint packed[QL_SEARCH_WORDS], uint i, uint code) {
    uint shift = 8u * (i % 4u);
    packed[i / 4u] = (packed[i / 4u] & ~(0xffu << shift)) | (code << shift);
}

// Sum of w (x - (scale * l + min))^2 (useMad: w |x - (scale * l + min)|), the search's
// error for one candidate.
float weightedError(float x[QL_SEARCH_VALUES], float w[QL_SEARCH_VALUES],
                    uint packed[QL_SEARCH_WORDS], float scale, float mn, bool useMad) {
    float error = 0.0;
    for (uint i = 0u; i < QL_SEARCH_VALUES; ++i) {
        float fitted = addChecked(mulChecked(scale, float(codeOf(packed, i))), mn);
        float diff = subChecked(fitted, x[i]);
        float term = useMad ? abs(diff) : mulChecked(diff, diff);
        error = addChecked(error, mulChecked(w[i], term));
    }
    return error;
}

int clampedCode(float x, float mn, float iscale, int nmax) {
    return clamp(qlNearestInt(mulChecked(iscale, subChecked(x, mn))), 0, nmax);
}

// make_qkx2_quants (not robust): returns the scale, negMin gets -min and packed the codes.
float asymmetricSearch(float x[QL_SEARCH_VALUES], float w[QL_SEARCH_VALUES], int nmax,
                       int nstep, float rmin, bool useMad, out float negMin,
                       out uint packed[QL_SEARCH_WORDS]) {
    for (uint k = 0u; k < QL_SEARCH_WORDS; ++k)
        packed[k] = 0u;
    float mn = x[0], mx = x[0];
    float sumW = w[0];
    float sumX = mulChecked(sumW, x[0]);
    for (uint i = 1u; i < QL_SEARCH_VALUES; ++i) {
        mn = x[i] < mn ? x[i] : mn; // std::min / std::max: the first of equal values
        mx = mx < x[i] ? x[i] : mx;
        sumW = addChecked(sumW, w[i]);
        sumX = addChecked(sumX, mulChecked(w[i], x[i]));
    }
    if (mn > 0.0)
        mn = 0.0;
    if (mx == mn) {
        negMin = -mn;
        return 0.0;
    }
    float iscale = divChecked(float(nmax), subChecked(mx, mn));
    float scale = divChecked(1.0, iscale);
    for (uint i = 0u; i < QL_SEARCH_VALUES; ++i)
        setCode(packed, i, uint(clampedCode(x[i], mn, iscale, nmax)));
    float bestError = weightedError(x, w, packed, scale, mn, useMad);
    for (int is = 0; is <= nstep; ++is) {
        float top = addChecked(addChecked(rmin, mulChecked(0.1, float(is))), float(nmax));
        iscale = divChecked(top, subChecked(mx, mn));
        uint aux[QL_SEARCH_WORDS];
        for (uint k = 0u; k < QL_SEARCH_WORDS; ++k)
            aux[k] = 0u;
        float sumL = 0.0, sumL2 = 0.0, sumXL = 0.0;
        for (uint i = 0u; i < QL_SEARCH_VALUES; ++i) {
            int l = clampedCode(x[i], mn, iscale, nmax);
            setCode(aux, i, uint(l));
            float wl = mulChecked(w[i], float(l));
            sumL = addChecked(sumL, wl);
            sumL2 = addChecked(sumL2, mulChecked(wl, float(l)));
            sumXL = addChecked(sumXL, mulChecked(wl, x[i]));
        }
        float D = subChecked(mulChecked(sumW, sumL2), mulChecked(sumL, sumL));
        if (!(D > 0.0))
            continue;
        float thisScale =
            divChecked(subChecked(mulChecked(sumW, sumXL), mulChecked(sumX, sumL)), D);
        float thisMin = divChecked(subChecked(mulChecked(sumL2, sumX), mulChecked(sumL, sumXL)), D);
        if (thisMin > 0.0) {
            thisMin = 0.0;
            thisScale = divChecked(sumXL, sumL2);
        }
        float error = weightedError(x, w, aux, thisScale, thisMin, useMad);
        if (error < bestError) {
            packed = aux;
            bestError = error;
            scale = thisScale;
            mn = thisMin;
        }
    }
    negMin = -mn;
    return scale;
}

#endif
