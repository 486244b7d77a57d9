#version 450
// OCP FP8 (E4M3FN, E5M2) with one f32 scale per row, code for code as the reference
// (engine/quant/fp8.cpp): scale = absmax / maxFinite, code = fp8(x / scale) rounded to
// nearest even and saturated to +-maxFinite, sign kept (also on zero), all codes 0 when
// the scale is 0.
//
// One workgroup per row. The absmax is a max on integer bit patterns; the scale and every
// quotient x / scale come from integer long division (qlDivBits), so they are the IEEE
// f32 results the CPU computes, subnormals included, on any device (no float arithmetic
// that a driver could approximate or flush). The f32 quotient is then rounded to FP8 in
// integers: the reference rounds twice (to f32, then to FP8) and so does this.
//
// Output rows are padded to whole words (no 8-bit storage needed): word 0 is the scale's
// bits, then the codes four per word (little-endian). The host copies 4 + cols bytes.
#include "formats.glsl"

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
shared uint rowScale;

struct Fp8 {
    int mantissaBits;
    int bias;
    uint maxFiniteBits; // f32 bits of 448 or 57344
    uint maxCode;       // magnitude bits of the largest finite value
};

Fp8 layoutOf(uint kind) {
    if (kind == 0u)
        return Fp8(3, 7, 0x43e00000u, 0x7eu);
    return Fp8(2, 15, 0x47600000u, 0x7bu);
}

// FP8 magnitude of a non-negative finite f32 (bits), round to nearest even, saturating.
uint fp8Magnitude(uint a, Fp8 f) {
    if (a >= f.maxFiniteBits)
        return f.maxCode;
    uint biased = a >> 23;
    int e = biased == 0u ? -126 : int(biased) - 127;        // a = M * 2^(e - 23)
    uint m = biased == 0u ? (a & 0x7fffffu) : ((a & 0x7fffffu) | 0x800000u);
    int unbiased = max(e, 1 - f.bias);                       // exponent of a's FP8 binade
    int shift = 23 + unbiased - f.mantissaBits - e;          // quantum = 2^(unbiased - mb)
    if (shift >= 25)
        return 0u; // below half the smallest subnormal
    uint k = m >> uint(shift);
    uint rem = m & ((1u << uint(shift)) - 1u);
    uint halfway = 1u << uint(shift - 1);
    if (rem > halfway || (rem == halfway && (k & 1u) != 0u))
        k += 1u;
    if (k == 0u)
        return 0u;
    // Normal: exponent field (unbiased + bias) and k in [2^mb, 2^(mb+1)]; the subnormal
    // binade has field 0 and k < 2^mb. Both are (unbiased + bias - 1) << mb plus k, and a
    // carry of k into the next binade lands on the right code.
    uint code = (uint(unbiased + f.bias - 1) << uint(f.mantissaBits)) + k;
    return min(code, f.maxCode);
}

uint fp8Code(uint xBits, uint scaleBits, Fp8 f) {
    if (scaleBits == 0u)
        return 0u;
    uint sign = (xBits >> 24) & 0x80u;
    return sign | fp8Magnitude(qlDivBits(xBits & 0x7fffffffu, scaleBits), f);
}

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
        outWords[p.outBase + row * p.rowWords] = rowScale;
    }
    barrier();
    uint scale = rowScale;
    uint words = (p.cols + 3u) / 4u;
    for (uint w = tid; w < words; w += WG) {
        uint packed = 0u;
        for (uint k = 0u; k < 4u; ++k) {
            uint col = w * 4u + k;
            if (col < p.cols)
                packed |= fp8Code(srcBits[base + col], scale, f) << (8u * k);
        }
        outWords[p.outBase + row * p.rowWords + 1u + w] = packed;
    }
}
