#version 450
// OCP FP8 (E4M3FN, E5M2) with one f32 scale per row, code for code as the reference
// (engine/quant/fp8.cpp): scale = absmax / maxFinite, code = fp8(x / scale) rounded to
// nearest even and saturated to +-maxFinite, sign kept (also on zero), all codes 0 when
// the scale is 0.
//
// One workgroup per row. The absmax is a max on integer bit patterns; the scale and its
// inverse come from integer long division (qlDivBits), so they are the IEEE f32 results
// the CPU computes, subnormals included, on any device. Each code is the FP8 rounding of
// x / scale, done in integers: from the product x * inverse (one correctly rounded
// multiply) where a few ulps either side give the same code, otherwise from the exact
// f32 quotient by long division (fp8_encode.glsl), so the reference's two roundings (to
// f32, then to FP8) are reproduced code for code.
//
// Output rows are padded to whole words (no 8-bit storage needed): word 0 is the scale's
// bits, then the codes four per word (little-endian). The host copies 4 + cols bytes.
#include "fp8_encode.glsl"

layout(local_size_x = 128) in;
const uint WG = 128;

layout(std430, set = 0, binding = 0) readonly buffer Src { uint srcBits[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { uint outWords[]; };

layout(push_constant) uniform Params {
    uint rows;     // rows in this dispatch (one workgroup each)
    uint cols;
    uint rowWords; // 1 + ceil(cols / 4)
    uint outBase;  // first word of row 0 (guard words lie before it)
    uint kind;     // 0: E4M3FN, 1: E5M2
} p;

shared uint partial[WG];
shared uint rowScale, rowInverse;

uint rowAbsmaxBits(uint base, uint tid) {
    uint m = 0u;
    for (uint i = tid; i < p.cols; i += WG)
        m = max(m, qlAbsBits(srcBits[base + i]));
    partial[tid] = m;
    barrier();
    for (uint stride = WG / 2; stride > 0; stride /= 2) {
        if (tid < stride)
            partial[tid] = max(partial[tid], partial[tid + stride]);
        barrier();
    }
    return partial[0];
}

void main() {
    uint row = gl_WorkGroupID.x;
    uint tid = gl_LocalInvocationID.x;
    if (row >= p.rows)
        return; // uniform per workgroup
    Fp8 f = layoutOf(p.kind);
    uint base = row * p.cols;
    uint absmax = rowAbsmaxBits(base, tid);
    if (tid == 0u) {
        rowScale = qlDivBits(absmax, f.maxFiniteBits);
        rowInverse = fp8InverseBits(rowScale);
        outWords[p.outBase + row * p.rowWords] = rowScale;
    }
    barrier();
    uint scale = rowScale, inverse = rowInverse;
    uint words = (p.cols + 3u) / 4u;
    for (uint w = tid; w < words; w += WG) {
        uint packed = 0u;
        for (uint k = 0u; k < 4u; ++k) {
            uint col = w * 4u + k;
            if (col < p.cols)
                packed |= fp8Code(srcBits[base + col], scale, inverse, f) << (8u * k);
        }
        outWords[p.outBase + row * p.rowWords + 1u + w] = packed;
    }
}
