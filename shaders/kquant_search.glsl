// ggml's make_qkx2_quants and make_qkx3_quants (robust) for the searched K-quant shaders, in the C code's
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

// A candidate's code: make_qkx2_quants clamps the rounded value; make_qkx3_quants
// (robust) rounds the value clamped to nmax, and takes 0 for v <= 0.
int candidateCode(float x, float mn, float iscale, int nmax, bool robust) {
    if (!robust)
        return clampedCode(x, mn, iscale, nmax);
    float v = mulChecked(iscale, subChecked(x, mn));
    return v > 0.0 ? qlNearestInt(min(v, float(nmax))) : 0;
}

// One candidate grid of the search: the inverse scale (rmin + rdelta * is + nmax) / (max - min).
struct AsymmetricGrid {
    int nmax;
    int nstep;
    float rmin;
    float rdelta;
    bool useMad;
    bool robust; // make_qkx3_quants (the importance-weighted encoders)
};

// make_qkx2_quants, or make_qkx3_quants when g.robust: returns the scale, negMin gets -min
// and packed the codes.
float asymmetricSearch(float x[QL_SEARCH_VALUES], float w[QL_SEARCH_VALUES], AsymmetricGrid g,
                       out float negMin, out uint packed[QL_SEARCH_WORDS]) {
    int nmax = g.nmax;
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
    if (g.robust ? mx <= mn : mx == mn) {
        negMin = -mn;
        return 0.0;
    }
    float iscale = divChecked(float(nmax), subChecked(mx, mn));
    float scale = divChecked(1.0, iscale);
    for (uint i = 0u; i < QL_SEARCH_VALUES; ++i)
        setCode(packed, i, uint(clampedCode(x[i], mn, iscale, nmax)));
    float bestError = weightedError(x, w, packed, scale, mn, g.useMad);
    for (int is = 0; is <= g.nstep; ++is) {
        float top = addChecked(addChecked(g.rmin, mulChecked(g.rdelta, float(is))), float(nmax));
        iscale = divChecked(top, subChecked(mx, mn));
        uint aux[QL_SEARCH_WORDS];
        for (uint k = 0u; k < QL_SEARCH_WORDS; ++k)
            aux[k] = 0u;
        float sumL = 0.0, sumL2 = 0.0, sumXL = 0.0;
        for (uint i = 0u; i < QL_SEARCH_VALUES; ++i) {
            int l = candidateCode(x[i], mn, iscale, nmax, g.robust);
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
        float error = weightedError(x, w, aux, thisScale, thisMin, g.useMad);
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

// make_qx_quants (rmse_type 1) with weights w on the grid [-nmax, nmax - 1]
// (symmetricScaleSearch in kquant_encode_search.cpp), for the importance variants: the
// sums of one inverse scale.
void symmetricSums(float x[QL_SEARCH_VALUES], float w[QL_SEARCH_VALUES], int nmax, float iscale, out float sumlx,
                  out float suml2) {
    sumlx = 0.0;
    suml2 = 0.0;
    for (uint i = 0u; i < QL_SEARCH_VALUES; ++i) {
        float l = float(clamp(qlNearestInt(mulChecked(iscale, x[i])), -nmax, nmax - 1));
        sumlx = addChecked(sumlx, mulChecked(mulChecked(w[i], x[i]), l));
        suml2 = addChecked(suml2, mulChecked(mulChecked(w[i], l), l));
    }
}

void symmetricCodes(float x[QL_SEARCH_VALUES], int nmax, float iscale, out int L[QL_SEARCH_VALUES]) {
    for (uint i = 0u; i < QL_SEARCH_VALUES; ++i)
        L[i] = nmax + clamp(qlNearestInt(mulChecked(iscale, x[i])), -nmax, nmax - 1);
}

// The first fit from -nmax / max, then 18 more inverse scales; codes + nmax into L (0 for
// an all-zero group), returns the scale.
float symmetricSearch(float x[QL_SEARCH_VALUES], float w[QL_SEARCH_VALUES], int nmax, out int L[QL_SEARCH_VALUES]) {
    uint amaxBits = 0u, maxBits = 0u;
    for (uint i = 0u; i < QL_SEARCH_VALUES; ++i) {
        uint b = floatBitsToUint(x[i]);
        if (qlAbsBits(b) > amaxBits) { // the value of largest magnitude, first on ties
            amaxBits = qlAbsBits(b);
            maxBits = b;
        }
    }
    for (uint i = 0u; i < QL_SEARCH_VALUES; ++i)
        L[i] = 0;
    if (amaxBits < 0x26901d7du) // 1e-15f, ggml's GROUP_MAX_EPS
        return 0.0;
    float mx = uintBitsToFloat(maxBits);
    float iscale = divChecked(-float(nmax), mx);
    symmetricCodes(x, nmax, iscale, L);
    float sumlx, suml2;
    symmetricSums(x, w, nmax, iscale, sumlx, suml2);
    float scale = suml2 != 0.0 ? divChecked(sumlx, suml2) : 0.0;
    float best = mulChecked(scale, sumlx);
    for (int is = -9; is <= 9; ++is) {
        if (is == 0)
            continue;
        iscale = divChecked(-addChecked(float(nmax), mulChecked(0.1, float(is))), mx);
        symmetricSums(x, w, nmax, iscale, sumlx, suml2);
        if (suml2 > 0.0 && mulChecked(sumlx, sumlx) > mulChecked(best, suml2)) {
            symmetricCodes(x, nmax, iscale, L);
            scale = divChecked(sumlx, suml2);
            best = mulChecked(scale, sumlx);
        }
    }
    return scale;
}

#ifdef QL_POSITIVE_VALUES
// ggml's make_qp_quants (positiveScaleSearch in kquant_encode_search.cpp): the sub-block
// scales (or mins) x, all >= 0 in practice, on the grid [0, nmax] weighted by qw, from
// the min/max fit and 8 more inverse scales by weighted squared error, then up to five
// rounds moving one code at a time while the fit improves. The codes are the C code's
// uint8_t values (a negative rounding wraps, as the cast does). Returns the scale.
float positiveScaleSearch(float x[QL_POSITIVE_VALUES], float qw[QL_POSITIVE_VALUES], int nmax,
                          out uint L[QL_POSITIVE_VALUES]) {
    float mx = 0.0;
    for (uint i = 0u; i < QL_POSITIVE_VALUES; ++i)
        mx = mx < x[i] ? x[i] : mx;
    for (uint i = 0u; i < QL_POSITIVE_VALUES; ++i)
        L[i] = 0u;
    if (mx < 1e-15) // ggml's GROUP_MAX_EPS
        return 0.0;
    float iscale = divChecked(float(nmax), mx);
    float scale = divChecked(1.0, iscale);
    float bestMse = 0.0;
    for (uint i = 0u; i < QL_POSITIVE_VALUES; ++i) {
        L[i] = uint(qlNearestInt(mulChecked(iscale, x[i]))) & 0xffu;
        float diff = subChecked(x[i], mulChecked(scale, float(L[i])));
        bestMse = addChecked(bestMse, mulChecked(mulChecked(qw[i], diff), diff));
    }
    for (int is = -4; is <= 4; ++is) {
        if (is == 0)
            continue;
        float iscaleIs = divChecked(addChecked(mulChecked(0.1, float(is)), float(nmax)), mx);
        float scaleIs = divChecked(1.0, iscaleIs);
        float mse = 0.0;
        for (uint i = 0u; i < QL_POSITIVE_VALUES; ++i) {
            int l = min(nmax, qlNearestInt(mulChecked(iscaleIs, x[i])));
            float diff = subChecked(x[i], mulChecked(scaleIs, float(l)));
            mse = addChecked(mse, mulChecked(mulChecked(qw[i], diff), diff));
        }
        if (mse < bestMse) {
            bestMse = mse;
            iscale = iscaleIs;
        }
    }
    float sumlx = 0.0, suml2 = 0.0;
    for (uint i = 0u; i < QL_POSITIVE_VALUES; ++i) {
        int l = min(nmax, qlNearestInt(mulChecked(iscale, x[i])));
        L[i] = uint(l) & 0xffu;
        sumlx = addChecked(sumlx, mulChecked(mulChecked(qw[i], x[i]), float(l)));
        suml2 = addChecked(suml2, mulChecked(mulChecked(qw[i], float(l)), float(l)));
    }
    for (int itry = 0; itry < 5; ++itry) {
        int changed = 0;
        for (uint i = 0u; i < QL_POSITIVE_VALUES; ++i) {
            float li = float(L[i]);
            float slx = subChecked(sumlx, mulChecked(mulChecked(qw[i], x[i]), li));
            float sl2 = subChecked(suml2, mulChecked(mulChecked(qw[i], li), li));
            if (!(slx > 0.0 && sl2 > 0.0))
                continue;
            int newL = min(nmax, qlNearestInt(divChecked(mulChecked(x[i], sl2), slx)));
            if (newL == int(L[i]))
                continue;
            slx = addChecked(slx, mulChecked(mulChecked(qw[i], x[i]), float(newL)));
            sl2 = addChecked(sl2, mulChecked(mulChecked(qw[i], float(newL)), float(newL)));
            if (mulChecked(mulChecked(slx, slx), suml2) >
                mulChecked(mulChecked(sumlx, sumlx), sl2)) {
                L[i] = uint(newL) & 0xffu;
                sumlx = slx;
                suml2 = sl2;
                ++changed;
            }
        }
        if (changed == 0)
            break;
    }
    return suml2 > 0.0 ? divChecked(sumlx, suml2) : 0.0;
}
#endif

#endif
