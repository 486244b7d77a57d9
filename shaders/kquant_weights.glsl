// The importance weights of the K-quant shaders' importance variants (QL_IMPORTANCE), as
// quantize_row_q*_K_impl forms them: w = imp * sqrt(sigma2 + x^2), sigma2 = factor * sum x^2
// / 256 over the super-block (factor 2 for Q3_K, Q4_K and Q5_K, 1 for Q2_K). Included
// after the shader's SUB (values per sub-block) and its shared `xs` (the workgroup's
// values, one padding word after every SUB).
#ifndef QL_KQUANT_WEIGHTS_GLSL
#define QL_KQUANT_WEIGHTS_GLSL
#ifdef QL_IMPORTANCE

#include "checked_float.glsl"
#include "kquant_params.glsl"

// sigma2 of super-block `super` of the workgroup, its 256 squares added in the C order.
// Each invocation adds them up itself: a few hundred operations beside its search's
// thousands, and no barrier.
float superSigma2(uint super, float factor) {
    float sumX2 = 0.0;
    for (uint l = 0u; l < QL_QK_K; ++l) {
        uint at = super * QL_QK_K + l;
        float v = uintBitsToFloat(xs[at + at / SUB]);
        sumX2 = addChecked(sumX2, mulChecked(v, v));
    }
    return mulChecked(mulChecked(factor, sumX2), 1.0 / 256.0); // (factor sumX2) / 256, exact
}

// The weights of sub-block j of this dispatch's super-block `block` (none past the
// dispatch's last); returns their sum, added in the C order.
float importanceWeights(float x[SUB], float sigma2, uint block, uint j, out float w[SUB],
                        inout bool outsideBits) {
    float sum = 0.0;
    for (uint i = 0u; i < SUB; ++i) {
        float imp = block < p.count ? importanceOf(block, QL_QK_K, j * SUB + i, outsideBits) : 0.0;
        float s2 = addChecked(sigma2, mulChecked(x[i], x[i]));
        w[i] = mulChecked(imp, uintBitsToFloat(qlSqrtBits(floatBitsToUint(s2))));
        sum = addChecked(sum, w[i]);
    }
    return sum;
}

#endif
#endif
