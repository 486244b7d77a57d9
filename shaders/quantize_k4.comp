#version 450
// GGUF Q4_K and Q5_K without an importance matrix (compiled with QL_IMPORTANCE:
// with one, llama.cpp's _impl encoder; the #ifdef blocks, kquant_kernel.h),
// byte-identical to llama.cpp's
// quantize_row_q4_K_ref / q5_K_ref as engine/quant/kquant_encode_k4.cpp reproduces them:
// per sub-block of 32, weights av + |x| (av = sqrt(mean x^2)) and ggml's make_qkx2_quants
// (min/max fit, then 21 (Q4_K) or 16 (Q5_K) candidate inverse scales, each refitted by
// weighted least squares on scale and min, the lowest weighted squared error kept); per
// super-block the 8 scales and 8 mins on 6-bit grids under fp16 d and dmin; then the codes
// again against the scales as stored.
//
// Layout (k4_blocks.glsl): a workgroup of 64 invocations takes 8 super-blocks;
// invocation 8 s + j searches sub-block j of super-block s; the 8 scales and mins of a
// super-block meet in shared memory.
//
// Exactness: divisions by qlSignedDivBits and square roots by qlSqrtBits (integers,
// correctly rounded on any driver), fp16 rounding in integers, ggml's nearest_int, every
// product and sum `precise` and in the C code's order. Vulkan lets a device flush
// subnormal results and inputs to zero; IEEE (the CPU) keeps them. So every product, sum
// and quotient of the search goes through checked_float.glsl, which notes when a result
// is subnormal, was flushed or is near overflow: until such an event every value is the
// CPU's; after one, the super-block is flagged and the host encodes it.
// Results above 1e38 (so any infinity, which a device may also assume away) count as
// such events too. Non-finite and subnormal inputs and magnitudes of 2^20 or more are
// flagged from the bits.
#define QL_SEARCH_VALUES 32
#define QL_POSITIVE_VALUES 8
#include "checked_float.glsl"
#include "ggml_blocks.glsl"
#include "kquant_search.glsl"
#include "kquant_params.glsl"

#include "k4_blocks.glsl"

shared float subScale[SUPERS * SUBS];
shared float subMin[SUPERS * SUBS]; // -min, as make_qkx2_quants returns it
#ifdef QL_IMPORTANCE
shared float subWeightSum[SUPERS * SUBS]; // the sum of a sub-block's weights
shared uint superHalves[2u * SUPERS];     // fp16 d, fp16 dmin of each super-block
#endif

// The value of std::max over the super-block's 8 scales (or mins), from 0.
float superMax(uint super, bool mins) {
    float m = 0.0;
    for (uint j = 0u; j < SUBS; ++j) {
        float v = mins ? subMin[super * SUBS + j] : subScale[super * SUBS + j];
        m = m < v ? v : m;
    }
    return m;
}

// A 6-bit grid value: min(63, uint8_t(nearest_int(inv * v))).
uint sixBits(float inv, float v) {
    return min(63u, uint(qlNearestInt(mulChecked(inv, v))) & 0xffu);
}

#include "kquant_weights.glsl"

#ifdef QL_IMPORTANCE
// make_qp_quants over a super-block's 8 scales (or 8 mins), weighted by the sub-blocks'
// weight sums: their 6-bit values into subLs (subLm) and the fp16 super-scale.
void weightedSuperScale(uint super, bool mins) {
    float v[SUBS], qw[SUBS];
    for (uint k = 0u; k < SUBS; ++k) {
        v[k] = mins ? subMin[super * SUBS + k] : subScale[super * SUBS + k];
        qw[k] = subWeightSum[super * SUBS + k];
    }
    uint L[SUBS];
    float s = positiveScaleSearch(v, qw, 63, L);
    for (uint k = 0u; k < SUBS; ++k) {
        if (mins)
            subLm[super * SUBS + k] = L[k];
        else
            subLs[super * SUBS + k] = L[k];
    }
    superHalves[2u * super + (mins ? 1u : 0u)] = qlFloatToHalf(floatBitsToUint(s));
}
#endif

void main() {
    uint tid = gl_LocalInvocationID.x;
    uint group = gl_WorkGroupID.x;
    uint super = tid / SUBS, j = tid % SUBS;
    bool five = p.fiveBits != 0u;
    int nmax = five ? 31 : 15;
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
    float w[SUB];
#ifdef QL_IMPORTANCE
    subWeightSum[tid] = importanceWeights(x, superSigma2(super, 2.0), group * SUPERS + super, j,
                                          w, outsideBits);
    // make_qkx3_quants: 37 candidates from (-0.9 + 0.05 is + nmax) / (max - min).
    AsymmetricGrid grid = AsymmetricGrid(nmax, 36, -0.9, 0.05, false, true);
#else
    // Weights av + |x|, av = sqrt(sum x^2 / 32) (the division by 32 is exact).
    float sumX2 = 0.0;
    for (uint i = 0u; i < SUB; ++i)
        sumX2 = addChecked(sumX2, mulChecked(x[i], x[i]));
    float mean = mulChecked(sumX2, 1.0 / 32.0);
    float av = uintBitsToFloat(qlSqrtBits(floatBitsToUint(mean)));
    for (uint i = 0u; i < SUB; ++i)
        w[i] = addChecked(av, abs(x[i]));
    AsymmetricGrid grid =
        AsymmetricGrid(nmax, five ? 15 : 20, five ? -0.5 : -1.0, 0.1, false, false);
#endif
    float negMin;
    uint packed[8];
    float scale = asymmetricSearch(x, w, grid, negMin, packed);
    subScale[tid] = scale;
    subMin[tid] = negMin;
    barrier();

#ifdef QL_IMPORTANCE
    // The super-block's 6-bit scales and mins by their own weighted searches (two
    // invocations of the super-block, one each), then min(63, .) as the C code clamps.
    if (j < 2u)
        weightedSuperScale(super, j == 1u);
    barrier();
    uint ls = min(63u, subLs[tid]), lm = min(63u, subLm[tid]);
    uint d = superHalves[2u * super], dmin = superHalves[2u * super + 1u];
#else
    // The super-block's 6-bit grids and fp16 super-scales (quantizeScalesK4Plain).
    float maxScale = superMax(super, false), maxMin = superMax(super, true);
    float invScale = maxScale > 0.0 ? divChecked(63.0, maxScale) : 0.0;
    float invMin = maxMin > 0.0 ? divChecked(63.0, maxMin) : 0.0;
    uint ls = sixBits(invScale, scale), lm = sixBits(invMin, negMin);
    uint d = qlFloatToHalf(floatBitsToUint(divChecked(maxScale, 63.0)));
    uint dmin = qlFloatToHalf(floatBitsToUint(divChecked(maxMin, 63.0)));
#endif
    // The codes again against the scales as stored (requantizeK4); a sub-block whose d
    // is 0 keeps its search codes.
    float dj = mulChecked(qlHalfToFloat(d), float(ls));
    if (dj != 0.0) {
        float dm = mulChecked(qlHalfToFloat(dmin), float(lm));
        for (uint i = 0u; i < SUB; ++i) {
            int l = qlNearestInt(divChecked(addChecked(x[i], dm), dj));
            setCode(packed, i, uint(clamp(l, 0, nmax)));
        }
    }
    for (uint k = 0u; k < 8u; ++k)
        codes[super * 64u + j * 8u + k] = packed[k];
    subLs[tid] = ls;
    subLm[tid] = lm;
    subOutside[tid] = outsideBits || inexact;
    if (j == 0u)
        dBits[super] = d | (dmin << 16);
    barrier();

    storeBlocks(group, tid);
}
