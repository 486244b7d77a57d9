#version 450
// GGUF Q2_K without an importance matrix (compiled with QL_IMPORTANCE:
// with one, llama.cpp's _impl encoder; the #ifdef blocks, kquant_kernel.h),
// byte-identical to llama.cpp's
// quantize_row_q2_K_ref as engine/quant/kquant_encode_low.cpp reproduces it: per sub-block
// of 16, weights |x| and ggml's make_qkx2_quants with codes 0..3 and the absolute error
// (16 candidate inverse scales, each refitted by weighted least squares on scale and min);
// per super-block of 256 the scales and mins on grids of 15 steps up to their maxima (4
// bits each, in one byte, as the C casts leave them) under fp16 d and dmin; then the codes
// again against the scales as stored.
//
// Layout: a workgroup of 64 invocations takes 4 super-blocks; invocation 16 s + j searches
// sub-block j of super-block s. The 4 blocks (84 bytes each, whole words) are assembled in
// shared memory and stored as whole words; after the blocks, one flag word per workgroup
// (bit s: super-block s for the host), as in quantize_k4.comp, whose checked arithmetic
// (checked_float.glsl) and search (kquant_search.glsl) this shares.
#define QL_SEARCH_VALUES 16
#define QL_POSITIVE_VALUES 16
#include "checked_float.glsl"
#include "ggml_blocks.glsl"
#include "kquant_search.glsl"
#include "kquant_params.glsl"

layout(local_size_x = 64) in;
const uint SUB = 16u;                       // values per sub-block
const uint SUBS = 16u;                      // sub-blocks per super-block
const uint SUPERS = 4u;                     // super-blocks per workgroup
const uint GROUP_VALUES = SUPERS * QL_QK_K; // 1024

layout(std430, set = 0, binding = 0) readonly buffer Src { uint srcBits[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { uint outWords[]; };


shared uint xs[GROUP_VALUES + GROUP_VALUES / SUB];
shared float subScale[SUPERS * SUBS];
shared float subMin[SUPERS * SUBS];
shared bool subOutside[SUPERS * SUBS];
shared uint scaleBytes[SUPERS * SUBS];
shared uint dBits[SUPERS]; // fp16 d | fp16 dmin << 16
shared uint codes[GROUP_VALUES / 4u];

#include "kquant_weights.glsl"

#ifdef QL_IMPORTANCE
shared float subWeightSum[SUPERS * SUBS];
shared uint subLs[SUPERS * SUBS];     // the 4-bit scale (as make_qp_quants' uint8_t)
shared uint subLm[SUPERS * SUBS];     // the 4-bit min
shared uint superHalves[2u * SUPERS]; // fp16 d, fp16 dmin

// make_qp_quants over a super-block's 16 scales (or mins) on [0, 15], weighted by the
// sub-blocks' weight sums (searchQ2Weighted).
void weightedSuperScale(uint super, bool mins) {
    float v[SUBS], qw[SUBS];
    for (uint k = 0u; k < SUBS; ++k) {
        v[k] = mins ? subMin[super * SUBS + k] : subScale[super * SUBS + k];
        qw[k] = subWeightSum[super * SUBS + k];
    }
    uint L[SUBS];
    float s = positiveScaleSearch(v, qw, 15, L);
    for (uint k = 0u; k < SUBS; ++k) {
        if (mins)
            subLm[super * SUBS + k] = L[k];
        else
            subLs[super * SUBS + k] = L[k];
    }
    superHalves[2u * super + (mins ? 1u : 0u)] = qlFloatToHalf(floatBitsToUint(s));
}
#endif

// std::max over the super-block's 16 scales (or mins), from 0.
float superMax(uint super, bool mins) {
    float m = 0.0;
    for (uint j = 0u; j < SUBS; ++j) {
        float v = mins ? subMin[super * SUBS + j] : subScale[super * SUBS + j];
        m = m < v ? v : m;
    }
    return m;
}

uint codeAt(uint super, uint v) {
    return (codes[super * 64u + (v >> 2)] >> (8u * (v & 3u))) & 0xffu;
}

// Byte `offset` of super-block `super`'s block (BlockQ2_K, packTwoBitPlanes).
uint blockByte(uint super, uint offset) {
    if (offset < QL_BLOCK_Q2_K_OFFSET_qs)
        return scaleBytes[super * SUBS + offset];
    if (offset < QL_BLOCK_Q2_K_OFFSET_d) {
        uint k = offset - QL_BLOCK_Q2_K_OFFSET_qs;
        uint v = (k / 32u) * 128u + k % 32u;
        return codeAt(super, v) | (codeAt(super, v + 32u) << 2) | (codeAt(super, v + 64u) << 4) |
               (codeAt(super, v + 96u) << 6);
    }
    return (dBits[super] >> (8u * (offset - QL_BLOCK_Q2_K_OFFSET_d))) & 0xffu;
}

void main() {
    uint tid = gl_LocalInvocationID.x;
    uint group = gl_WorkGroupID.x;
    uint super = tid / SUBS, j = tid % SUBS;
    uint first = group * GROUP_VALUES, total = p.count * QL_QK_K;
    for (uint k = 0u; k < GROUP_VALUES / 64u; ++k) {
        uint i = k * 64u + tid;
        xs[i + i / SUB] = first + i < total ? srcBits[first + i] : 0u;
    }
    barrier();

    float x[SUB];
    float w[SUB];
    bool outsideBits = false;
    for (uint i = 0u; i < SUB; ++i) {
        uint at = super * QL_QK_K + j * SUB + i;
        uint b = xs[at + at / SUB];
        outsideBits = outsideBits || qlOutsideInput(b);
        x[i] = uintBitsToFloat(b);
    }
#ifdef QL_IMPORTANCE
    // Weights imp * sqrt(sigma2 + x^2) and make_qkx3_quants (37 candidates, squared error).
    subWeightSum[tid] = importanceWeights(x, superSigma2(super, 1.0), group * SUPERS + super, j,
                                          w, outsideBits);
    AsymmetricGrid grid = AsymmetricGrid(3, 36, -0.9, 0.05, false, true);
#else
    for (uint i = 0u; i < SUB; ++i)
        w[i] = abs(x[i]);
    AsymmetricGrid grid = AsymmetricGrid(3, 15, -0.5, 0.1, true, false);
#endif
    float negMin;
    uint packed[QL_SEARCH_WORDS];
    float scale = asymmetricSearch(x, w, grid, negMin, packed);
    subScale[tid] = scale;
    subMin[tid] = negMin;
    barrier();

#ifdef QL_IMPORTANCE
    // The scales and mins by weighted searches of their own (two invocations of the
    // super-block, one each); the byte ls | lm << 4 as the C cast leaves it.
    if (j < 2u)
        weightedSuperScale(super, j == 1u);
    barrier();
    uint byte = (subLs[tid] | (subLm[tid] << 4)) & 0xffu;
    uint d = superHalves[2u * super], dmin = superHalves[2u * super + 1u];
#else
    // The super-block's 4-bit grids (searchQ2Plain): uint8_t casts, no clamp, as in C.
    float maxScale = superMax(super, false), maxMin = superMax(super, true);
    uint byte = 0u, d = 0u, dmin = 0u;
    if (maxScale > 0.0) {
        float iscale = divChecked(15.0, maxScale);
        byte = uint(qlNearestInt(mulChecked(iscale, scale))) & 0xffu;
        d = qlFloatToHalf(floatBitsToUint(divChecked(maxScale, 15.0)));
    }
    if (maxMin > 0.0) {
        float iscale = divChecked(15.0, maxMin);
        byte = (byte | uint(qlNearestInt(mulChecked(iscale, negMin)) << 4)) & 0xffu;
        dmin = qlFloatToHalf(floatBitsToUint(divChecked(maxMin, 15.0)));
    }
#endif
    // The codes again against the scales as stored; d == 0 keeps the search's codes.
    float dj = mulChecked(qlHalfToFloat(d), float(byte & 0xfu));
    if (dj != 0.0) {
        float m = mulChecked(qlHalfToFloat(dmin), float(byte >> 4));
        for (uint i = 0u; i < SUB; ++i) {
            int q = qlNearestInt(divChecked(addChecked(x[i], m), dj));
            setCode(packed, i, uint(clamp(q, 0, 3)));
        }
    }
    for (uint k = 0u; k < QL_SEARCH_WORDS; ++k)
        codes[super * 64u + j * QL_SEARCH_WORDS + k] = packed[k];
    scaleBytes[tid] = byte;
    subOutside[tid] = outsideBits || inexact;
    if (j == 0u)
        dBits[super] = d | (dmin << 16);
    barrier();

    uint groupWords = SUPERS * QL_BLOCK_Q2_K_BYTES / 4u;
    uint blocks = min(SUPERS, p.count - group * SUPERS);
    for (uint wi = tid; wi < blocks * QL_BLOCK_Q2_K_BYTES / 4u; wi += 64u) {
        uint word = 0u;
        for (uint k = 0u; k < 4u; ++k) {
            uint byteIndex = 4u * wi + k;
            word |= blockByte(byteIndex / QL_BLOCK_Q2_K_BYTES, byteIndex % QL_BLOCK_Q2_K_BYTES)
                    << (8u * k);
        }
        outWords[p.outBase + group * groupWords + wi] = word;
    }
    if (tid == 0u) {
        uint flags = 0u;
        for (uint s = 0u; s < blocks; ++s) {
            bool any = false;
            for (uint k = 0u; k < SUBS; ++k)
                any = any || subOutside[s * SUBS + k];
            flags |= any ? 1u << s : 0u;
        }
        outWords[p.outBase + p.flagBase + group] = flags;
    }
}
