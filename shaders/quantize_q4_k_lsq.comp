#version 450
// q4_k-lsq (engine/quant/kquant_lsq.h): GGUF Q4_K bytes from Quantlens' least-squares
// search, byte-identical to the scalar lanes of engine/quant/kquant_lsq.cpp (which its
// AVX2 and AVX-512 kernels equal). Per sub-block of 32 (one invocation, k4_blocks.glsl's
// layout): codes on three candidate grids over [min(x, 0), max x], each fitted by least
// squares on scale and min, then one Lloyd step; per super-block two fp16 super-scales
// (largest scale / 63 and / 62) and dmin (largest min / 63); under each super-scale the
// best of 2 x 3 6-bit scale/min pairs around the fit by squared error; the super-scale
// whose sub-blocks' total error is lower; the codes against the chosen pair.
//
// Exactness: the CPU fuses its multiply-adds (std::fma, vfmadd: the product is not rounded
// before the add), and GLSL's fma may round twice, so each goes through fmaChecked
// (exact_fma.glsl, integers), except where the product is exact and one checked add is
// the fused result (codeError's residual). A code is the exact product rounded to an integer: the
// float product gives it except at an exact half, where the product's rounding error
// (a fused a * b - p) picks the side. Divisions by qlSignedDivBits, fp16 in integers,
// every other step `precise` and checked (checked_float.glsl) in the C++ order; a
// super-block that leaves the exact range goes to the host, as in quantize_k4.comp.
#include "checked_float.glsl"
#include "kquant_params.glsl"
#include "k4_blocks.glsl"

const float ROUND_SHIFT = 12582912.0; // kRoundShift: 1.5 * 2^23
const float TIE_SHARE = 1e-6;         // kTieShare
const float CANDIDATES[3] = float[3](14.0, 14.75, 15.5);
const int SCALE_STEPS = 2; // kScaleSteps

shared float subScale[SUPERS * SUBS];
shared float subNegMin[SUPERS * SUBS];
shared float subErr[2u * SUPERS * SUBS]; // per super-scale choice c: [c * 64 + tid]
shared uint subPair[2u * SUPERS * SUBS]; // its 6-bit scale | 6-bit min << 8

// v rounded to an integer, ties to even, for 0 <= v < 2^22 (nearbyint in the default mode).
float nearbyintSmall(float v) {
    precise float shifted = v + ROUND_SHIFT;
    precise float back = shifted - ROUND_SHIFT;
    return back;
}

// clamp(round(a * b), 0, 15) of the exact product, ties to even: the CPU's
// fma(a, b, 1.5 * 2^23) clamped to [shift, shift + 15] less the shift.
float lsqCode(float a, float b) {
    precise float p = a * b;
    if (abs(p) > HUGE)
        inexact = true;
    if (p >= 15.5) // the exact product is at least 15.5 less half an ulp: 15 either way
        return 15.0;
    if (p < 0.5) // below 0.5 (or NaN, from operands the checks have flagged)
        return 0.0;
    float k = nearbyintSmall(p);
    precise float below = p - floor(p);
    if (below == 0.5) { // p is a half: the side the exact product lies on decides
        bool outside;
        uint e = qlFmaBits(floatBitsToUint(a), floatBitsToUint(b), floatBitsToUint(-p), outside);
        inexact = inexact || outside;
        if ((e & 0x7fffffffu) != 0u)
            k = (e & QL_SIGN) != 0u ? floor(p) : floor(p) + 1.0;
    }
    return clamp(k, 0.0, 15.0);
}

struct Sums {
    float l, l2, xl; // sum l, sum l^2, sum x l
};

void addCode(inout Sums s, float x, float code) {
    precise float l = s.l + code; // small integers: exact
    precise float l2 = code * code + s.l2;
    s.l = l;
    s.l2 = l2;
    s.xl = fmaChecked(x, code, s.xl);
}

struct Fit {
    float s, m, err;
};

// The unweighted least-squares scale s >= 0 and min m <= 0 of x ~ s l + m (m = 0 when the
// joint fit's min would be positive) and its squared error in closed form.
Fit leastSquares(Sums c, float sumX, float sumX2) {
    const float n = 32.0;
    precise float D = n * c.l2 - c.l * c.l; // integers below 2^24: exact
    float sD = 0.0, mD = 0.0;
    bool useD = false;
    if (D > 0.0) { // the CPU divides by a zero D too, and then does not use the quotients
        sD = divChecked(subChecked(mulChecked(n, c.xl), mulChecked(sumX, c.l)), D);
        mD = divChecked(subChecked(mulChecked(c.l2, sumX), mulChecked(c.l, c.xl)), D);
        useD = mD <= 0.0;
    }
    float s0 = c.l2 > 0.0 ? divChecked(c.xl, c.l2) : 0.0;
    Fit f = Fit(useD ? sD : s0, useD ? mD : 0.0, 0.0);
    f.s = f.s > 0.0 ? f.s : 0.0;
    float twoS = mulChecked(2.0, f.s), twoM = mulChecked(2.0, f.m);
    float e = subChecked(sumX2, mulChecked(twoS, c.xl));
    e = subChecked(e, mulChecked(twoM, sumX));
    e = addChecked(e, mulChecked(mulChecked(f.s, f.s), c.l2));
    e = addChecked(e, mulChecked(mulChecked(twoS, f.m), c.l));
    f.err = addChecked(e, mulChecked(mulChecked(n, f.m), f.m));
    return f;
}

// Stage 1 (kquant_lsq.cpp's fitOne): the sub-block's scale and -min.
void fitSubBlock(float x[SUB], out float scale, out float negMin) {
    float lo = x[0], hi = x[0], sumX = 0.0, sumX2 = 0.0;
    for (uint i = 0u; i < SUB; ++i) {
        lo = lo < x[i] ? lo : x[i];
        hi = hi > x[i] ? hi : x[i];
        sumX = addChecked(sumX, x[i]);
        sumX2 = fmaChecked(x[i], x[i], sumX2);
    }
    float tol = mulChecked(TIE_SHARE, sumX2);
    float mn = lo < 0.0 ? lo : 0.0;
    float range = subChecked(hi, mn);
    scale = 0.0;
    negMin = -mn;
    if (range == 0.0) // the CPU's search runs on, but its result is not used
        return;
    Fit best = Fit(divChecked(range, 15.0), mn, 0.0);
    bool found = false;
    for (int k = 0; k < 3; ++k) {
        float iscale = divChecked(CANDIDATES[k], range);
        Sums c = Sums(0.0, 0.0, 0.0);
        for (uint i = 0u; i < SUB; ++i)
            addCode(c, x[i], lsqCode(iscale, subChecked(x[i], mn)));
        Fit f = leastSquares(c, sumX, sumX2);
        if (!found || f.err < subChecked(best.err, tol)) {
            best = f;
            found = true;
        }
    }
    if (best.s > 0.0) { // one Lloyd step: codes against the best fit, fitted again
        float inv = divChecked(1.0, best.s);
        Sums c = Sums(0.0, 0.0, 0.0);
        for (uint i = 0u; i < SUB; ++i)
            addCode(c, x[i], lsqCode(subChecked(x[i], best.m), inv));
        Fit f = leastSquares(c, sumX, sumX2);
        if (f.err < subChecked(best.err, tol))
            best = f;
    }
    scale = best.s;
    negMin = -best.m;
}

// The largest of a super-block's 8 scales (or mins), from the first (as kquant_lsq.cpp's
// maxOf: an all -0 set stays -0).
float superMax(uint super, bool mins) {
    float m = mins ? subNegMin[super * SUBS] : subScale[super * SUBS];
    for (uint j = 1u; j < SUBS; ++j) {
        float v = mins ? subNegMin[super * SUBS + j] : subScale[super * SUBS + j];
        m = v > m ? v : m;
    }
    return m;
}

// fp16 of top / steps, at least the smallest subnormal when top > 0 (nonZeroHalf).
uint nonZeroHalf(float top, float steps) {
    uint h = qlFloatToHalf(floatBitsToUint(divChecked(top, steps)));
    return top > 0.0 && (h & 0x7fffu) == 0u ? 1u : h;
}

// Squared error of the codes of t under step d1 (kquant_lsq.cpp's inner refine loop).
// d1 is an fp16 super-scale (11 significant bits) times a 6-bit index, so d1 * code (a
// 4-bit integer) has at most 21 bits and is exact in float: the CPU's fused
// fma(-d1, code, t) is then the sum t - d1 * code rounded once, which a plain checked
// add gives without exact_fma.glsl. The square of the residual is a full 48-bit product
// and stays fused.
float codeError(float t[SUB], float d1) {
    float inv = d1 > 0.0 ? divChecked(1.0, d1) : 0.0;
    float err = 0.0;
    for (uint i = 0u; i < SUB; ++i) {
        float diff = subChecked(t[i], mulChecked(d1, lsqCode(t[i], inv)));
        err = fmaChecked(diff, diff, err);
    }
    return err;
}

// Stage 2 for one sub-block (refineOne): under each super-scale dsc[c], the 6-bit scale
// floor(s / dsc) + 1 and one below with the min index round(negMin / dm) - 1, + 0, + 1,
// the valid pair of least squared error (the first on a tie) into subPair / subErr.
void refineSubBlock(float x[SUB], float s, float negMin, float dsc[2], float dm, uint tid) {
    float lm0 = 0.0;
    if (dm > 0.0) {
        float q = divChecked(negMin, dm);
        lm0 = q >= 63.0 ? 63.0 : nearbyintSmall(q);
    }
    float ls0[2], bestErr[2], bestLs[2], bestLm[2];
    bool found[2];
    for (int c = 0; c < 2; ++c) {
        ls0[c] = 0.0;
        if (dsc[c] > 0.0) {
            precise float r = floor(divChecked(s, dsc[c])) + 1.0;
            ls0[c] = r < 63.0 ? r : 63.0;
        }
        bestErr[c] = 0.0;
        bestLs[c] = ls0[c];
        bestLm[c] = lm0;
        found[c] = false;
    }
    float t[SUB];
    for (int b = -1; b <= 1; ++b) {
        float lm = lm0 + float(b);
        if (lm < 0.0 || lm > 63.0) // never chosen: the CPU's error for it is not used
            continue;
        float m1 = mulChecked(dm, lm);
        for (uint i = 0u; i < SUB; ++i)
            t[i] = addChecked(x[i], m1);
        for (int c = 0; c < 2; ++c) {
            for (int a = -1; a < SCALE_STEPS - 1; ++a) {
                float ls = ls0[c] + float(a);
                if (ls < 0.0 || ls > 63.0)
                    continue;
                float err = codeError(t, mulChecked(dsc[c], ls));
                if (!found[c] || err < bestErr[c]) {
                    bestErr[c] = err;
                    bestLs[c] = ls;
                    bestLm[c] = lm;
                    found[c] = true;
                }
            }
        }
    }
    for (uint c = 0u; c < 2u; ++c) {
        subErr[c * 64u + tid] = bestErr[c];
        subPair[c * 64u + tid] = uint(bestLs[c]) | (uint(bestLm[c]) << 8);
    }
}

void main() {
    uint tid = gl_LocalInvocationID.x;
    uint group = gl_WorkGroupID.x;
    uint super = tid / SUBS, j = tid % SUBS;
    loadValues(group, tid);
    barrier();

    // The sub-block's values, flagged from their bits when not finite, subnormal or large.
    float x[SUB];
    bool outsideBits = false;
    for (uint i = 0u; i < SUB; ++i) {
        uint b = valueBits(super, j, i);
        outsideBits = outsideBits || qlOutsideInput(b);
        x[i] = uintBitsToFloat(b);
    }
    float scale, negMin;
    fitSubBlock(x, scale, negMin);
    subScale[tid] = scale;
    subNegMin[tid] = negMin;
    barrier();

    // The super-block's candidate super-scales (each invocation forms the same ones).
    float maxScale = superMax(super, false), maxMin = superMax(super, true);
    uint dHalf[2] = uint[2](nonZeroHalf(maxScale, 63.0), nonZeroHalf(maxScale, 62.0));
    uint dminHalf = nonZeroHalf(maxMin, 63.0);
    float dsc[2] = float[2](qlHalfToFloat(dHalf[0]), qlHalfToFloat(dHalf[1]));
    float dm = qlHalfToFloat(dminHalf);
    refineSubBlock(x, scale, negMin, dsc, dm, tid);
    barrier();

    // The super-scale whose sub-blocks' summed error is lower (the first on a tie), then
    // the codes against this sub-block's pair under it.
    float total[2] = float[2](0.0, 0.0);
    for (uint c = 0u; c < 2u; ++c)
        for (uint k = 0u; k < SUBS; ++k)
            total[c] = addChecked(total[c], subErr[c * 64u + super * SUBS + k]);
    uint chosen = total[1] < total[0] ? 1u : 0u;
    uint pair = subPair[chosen * 64u + tid];
    uint ls = pair & 0xffu, lm = pair >> 8;
    float d1 = mulChecked(dsc[chosen], float(ls));
    float m1 = mulChecked(dm, float(lm));
    float inv = d1 > 0.0 ? divChecked(1.0, d1) : 0.0;
    for (uint k = 0u; k < 8u; ++k) {
        uint word = 0u;
        for (uint i = 0u; i < 4u; ++i)
            word |= uint(lsqCode(addChecked(x[4u * k + i], m1), inv)) << (8u * i);
        codes[super * 64u + j * 8u + k] = word;
    }
    subLs[tid] = ls;
    subLm[tid] = lm;
    subOutside[tid] = outsideBits || inexact;
    if (j == 0u)
        dBits[super] = dHalf[chosen] | (dminHalf << 16);
    barrier();

    storeBlocks(group, tid);
}
