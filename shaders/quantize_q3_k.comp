#version 450
// GGUF Q3_K without an importance matrix (compiled with QL_IMPORTANCE:
// with one, llama.cpp's _impl encoder; the #ifdef blocks, kquant_kernel.h),
// byte-identical to llama.cpp's
// quantize_row_q3_K_ref as engine/quant/kquant_encode_low.cpp reproduces it: per
// sub-block of 16, ggml's make_q3_quants (codes -4..3 from -4 / max, then up to five
// rounds that move single codes while the x^2-weighted fit improves, each move depending
// on the last: a short serial loop, but one per sub-block, so one invocation each); per
// super-block the 16 scales on a signed 6-bit grid against the one of largest magnitude
// under an fp16 d; then the codes again against the scales as stored.
//
// Layout: a workgroup of 64 invocations takes 4 super-blocks (110 bytes each: 440, whole
// words; an odd count in the last workgroup ends mid-word), assembled in shared memory
// and stored as whole words; after the blocks, one flag word per workgroup (bit s:
// super-block s for the host). Every float step goes through checked_float.glsl: its
// comparison multiplies four sums (x^8 in the weights' scale), so sub-blocks far from
// unit scale (below about 1e-5 or above 1e4) reach subnormal or overflowing products and
// go to the host; trained weights sit inside.
#define QL_SEARCH_VALUES 16
#include "checked_float.glsl"
#include "ggml_blocks.glsl"
#include "kquant_params.glsl"
#include "kquant_search.glsl"

layout(local_size_x = 64) in;
const uint SUB = 16u;
const uint SUBS = 16u;
const uint SUPERS = 4u;
const uint GROUP_VALUES = SUPERS * QL_QK_K;                 // 1024
const uint GROUP_BYTES = SUPERS * QL_BLOCK_Q3_K_BYTES;      // 440
const int NMAX = 4;

layout(std430, set = 0, binding = 0) readonly buffer Src { uint srcBits[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { uint outWords[]; };


shared uint xs[GROUP_VALUES + GROUP_VALUES / SUB];
shared uint subScaleBits[SUPERS * SUBS];
shared bool subOutside[SUPERS * SUBS];
shared int subL6[SUPERS * SUBS]; // the 6-bit scale, offset 32
shared uint dHalf[SUPERS];
shared uint codes[GROUP_VALUES / 4u]; // 0..7, one byte each

#include "kquant_weights.glsl"

#ifdef QL_IMPORTANCE
shared float subWeightSum[SUPERS * SUBS];

#endif

int clampCode(int l) { return clamp(l, -NMAX, NMAX - 1); }

// make_q3_quants (do_rmse): codes -4..3 into L, returns the scale.
float refineScale(float x[SUB], uint maxBits, uint amaxBits, out int L[SUB]) {
    for (uint i = 0u; i < SUB; ++i)
        L[i] = 0;
    if (amaxBits < 0x26901d7du) // 1e-15f, ggml's GROUP_MAX_EPS: codes 0 (not the offset)
        return 0.0;
    float iscale = divChecked(-float(NMAX), uintBitsToFloat(maxBits));
    float sumlx = 0.0, suml2 = 0.0;
    for (uint i = 0u; i < SUB; ++i) {
        int l = clampCode(qlNearestInt(mulChecked(iscale, x[i])));
        L[i] = l;
        float w = mulChecked(x[i], x[i]);
        sumlx = addChecked(sumlx, mulChecked(mulChecked(w, x[i]), float(l)));
        suml2 = addChecked(suml2, mulChecked(mulChecked(w, float(l)), float(l)));
    }
    for (int itry = 0; itry < 5; ++itry) {
        int changed = 0;
        for (uint i = 0u; i < SUB; ++i) {
            float w = mulChecked(x[i], x[i]);
            float slx = subChecked(sumlx, mulChecked(mulChecked(w, x[i]), float(L[i])));
            if (slx <= 0.0)
                continue;
            float sl2 = subChecked(suml2, mulChecked(mulChecked(w, float(L[i])), float(L[i])));
            int newL = clampCode(qlNearestInt(divChecked(mulChecked(x[i], sl2), slx)));
            if (newL == L[i])
                continue;
            slx = addChecked(slx, mulChecked(mulChecked(w, x[i]), float(newL)));
            sl2 = addChecked(sl2, mulChecked(mulChecked(w, float(newL)), float(newL)));
            if (sl2 > 0.0 && mulChecked(mulChecked(slx, slx), suml2) >
                                 mulChecked(mulChecked(sumlx, sumlx), sl2)) {
                L[i] = newL;
                sumlx = slx;
                suml2 = sl2;
                ++changed;
            }
        }
        if (changed == 0)
            break;
    }
    for (uint i = 0u; i < SUB; ++i)
        L[i] += NMAX;
    return suml2 > 0.0 ? divChecked(sumlx, suml2) : 0.0;
}

uint codeAt(uint super, uint v) {
    return (codes[super * 64u + (v >> 2)] >> (8u * (v & 3u))) & 0xffu;
}

// The packed 6-bit scales (packScalesQ3): low nibbles two per byte in 0..7, the top two
// bits of scale j in byte 8 + j % 4 at bits 2 (j / 4).
uint scaleByte(uint super, uint k) {
    uint at = super * SUBS;
    if (k < 8u)
        return uint(subL6[at + k] & 0xf) | (uint(subL6[at + k + 8u] & 0xf) << 4);
    uint b = 0u;
    for (uint q = 0u; q < 4u; ++q)
        b |= uint(subL6[at + (k - 8u) + 4u * q] >> 4) << (2u * q);
    return b & 0xffu;
}

// Byte `offset` of super-block `super`'s block (BlockQ3_K, packQ3).
uint blockByte(uint super, uint offset) {
    if (offset < QL_BLOCK_Q3_K_OFFSET_qs) { // hmask[k]: bit b = code k + 32 b > 3
        uint bits = 0u;
        for (uint b = 0u; b < 8u; ++b)
            bits |= (codeAt(super, offset + 32u * b) > 3u ? 1u : 0u) << b;
        return bits;
    }
    if (offset < QL_BLOCK_Q3_K_OFFSET_scales) { // the low two bits, as Q2_K's planes
        uint k = offset - QL_BLOCK_Q3_K_OFFSET_qs;
        uint v = (k / 32u) * 128u + k % 32u;
        return (codeAt(super, v) & 3u) | ((codeAt(super, v + 32u) & 3u) << 2) |
               ((codeAt(super, v + 64u) & 3u) << 4) | ((codeAt(super, v + 96u) & 3u) << 6);
    }
    if (offset < QL_BLOCK_Q3_K_OFFSET_d)
        return scaleByte(super, offset - QL_BLOCK_Q3_K_OFFSET_scales);
    return (dHalf[super] >> (8u * (offset - QL_BLOCK_Q3_K_OFFSET_d))) & 0xffu;
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
    uint amaxBits = 0u, maxBits = 0u;
    bool outsideBits = false;
    for (uint i = 0u; i < SUB; ++i) {
        uint at = super * QL_QK_K + j * SUB + i;
        uint b = xs[at + at / SUB];
        x[i] = uintBitsToFloat(b);
        outsideBits = outsideBits || qlOutsideInput(b);
        if (qlAbsBits(b) > amaxBits) { // the value of largest magnitude, first on ties
            amaxBits = qlAbsBits(b);
            maxBits = b;
        }
    }
    int L[SUB];
#ifdef QL_IMPORTANCE
    // searchQ3Weighted: weights imp * sqrt(sigma2 + x^2), the weighted make_qx_quants per
    // sub-block, then the same search over the super-block's 16 scales weighted by the
    // sub-blocks' weight sums (one invocation per super-block) for the 6-bit scales and d.
    float w[SUB];
    subWeightSum[tid] = importanceWeights(x, superSigma2(super, 2.0), group * SUPERS + super, j,
                                          w, outsideBits);
    float scale = symmetricSearch(x, w, NMAX, L);
    subScaleBits[tid] = floatBitsToUint(scale);
    barrier();
    if (j == 0u) {
        float scales[SUBS], sw[SUBS];
        for (uint k = 0u; k < SUBS; ++k) {
            scales[k] = uintBitsToFloat(subScaleBits[super * SUBS + k]);
            sw[k] = subWeightSum[super * SUBS + k];
        }
        int Ls[SUBS];
        float dBlock = symmetricSearch(scales, sw, 32, Ls);
        for (uint k = 0u; k < SUBS; ++k)
            subL6[super * SUBS + k] = Ls[k];
        dHalf[super] = qlFloatToHalf(floatBitsToUint(dBlock));
    }
    barrier();
    int l6 = subL6[tid];
    uint d = dHalf[super];
#else
    float scale = refineScale(x, maxBits, amaxBits, L);
    subScaleBits[tid] = floatBitsToUint(scale);
    barrier();

    // The super-block's signed 6-bit grid (searchQ3Plain): the scale of largest magnitude.
    uint maxAbs = 0u, maxScaleBits = 0u;
    for (uint k = 0u; k < SUBS; ++k) {
        uint b = subScaleBits[super * SUBS + k];
        if ((b & 0x7fffffffu) > maxAbs) {
            maxAbs = b & 0x7fffffffu;
            maxScaleBits = b;
        }
    }
    int l6 = 0;
    uint d = 0u;
    if (maxAbs != 0u) {
        float iscale = divChecked(-32.0, uintBitsToFloat(maxScaleBits));
        int l = (qlNearestInt(mulChecked(iscale, scale)) << 24) >> 24; // int8_t
        l6 = clamp(l, -32, 31) + 32;
        d = qlFloatToHalf(qlSignedDivBits(floatBitsToUint(1.0), floatBitsToUint(iscale)));
    }
#endif
    // The codes again against the scale as stored; d == 0 keeps the search's codes.
    float dj = mulChecked(qlHalfToFloat(d), float(l6 - 32));
    if (dj != 0.0)
        for (uint i = 0u; i < SUB; ++i)
            L[i] = clamp(qlNearestInt(divChecked(x[i], dj)), -4, 3) + 4;
    for (uint k = 0u; k < 4u; ++k)
        codes[super * 64u + j * 4u + k] = uint(L[4u * k] | (L[4u * k + 1u] << 8) |
                                                (L[4u * k + 2u] << 16) | (L[4u * k + 3u] << 24));
    subL6[tid] = l6;
    subOutside[tid] = outsideBits || inexact;
#ifndef QL_IMPORTANCE // (the importance variant's d is in place already)
    if (j == 0u)
        dHalf[super] = d;
#endif
    barrier();

    uint blocks = min(SUPERS, p.count - group * SUPERS);
    uint totalWords = (p.count * QL_BLOCK_Q3_K_BYTES + 3u) / 4u;
    for (uint wi = tid; wi < GROUP_BYTES / 4u; wi += 64u) {
        uint global = group * (GROUP_BYTES / 4u) + wi;
        if (global >= totalWords)
            break;
        uint word = 0u;
        for (uint k = 0u; k < 4u; ++k) {
            uint byteIndex = 4u * wi + k;
            uint s = byteIndex / QL_BLOCK_Q3_K_BYTES;
            if (s < blocks)
                word |= blockByte(s, byteIndex % QL_BLOCK_Q3_K_BYTES) << (8u * k);
        }
        outWords[p.outBase + global] = word;
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
