#version 450
// Dequantizes what a quantize shader just wrote, on the device, and reduces the error
// sums of engine/quant/metrics.h (ErrorAccumulator): sum w^2, q^2, w*q, (q - w)^2 and
// max |q - w|, so that a variant's metrics need not travel through host memory.
//
// Dequantization is bit for bit the CPU's (QuantizedTensor::dequantizeRow, ggml's
// dequantize_row_*): fp16 and FP8 decoded in integers, one correctly rounded `precise`
// multiply (and add, for Q4_1 / Q5_1) per value.
//
// Determinism and accuracy: workgroup g takes values [g * 4096, (g + 1) * 4096); each of
// its 256 invocations sums 16 of them (stride 256) with Kahan compensation in f32, then a
// fixed tree in shared memory combines (sum, compensation) pairs with an exact two-sum.
// Each workgroup writes its sums as (sum, compensation) pairs and the max; the host adds
// the pairs in double, in workgroup order. Same device, same input: same bits. Against
// the CPU's double sums the difference is the f32 rounding of each product (relative
// 2^-24 per term, so about 1e-7 of a sum of squares); tests bound it.
#include "code_books.glsl"
#include "ggml_blocks.glsl"

layout(local_size_x = 256) in;
const uint WG = 256u;
const uint PER_INVOCATION = 16u;
const uint PER_GROUP = WG * PER_INVOCATION; // 4096

layout(std430, set = 0, binding = 0) readonly buffer Src { uint srcBits[]; };
layout(std430, set = 0, binding = 1) readonly buffer Quant { uint quant[]; };
layout(std430, set = 0, binding = 2) readonly buffer Scales { uint scales[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Partials { float partials[]; };

const uint MODE_RTN = 0u, MODE_Q8_0 = 1u, MODE_Q4_0 = 2u, MODE_Q4_1 = 3u, MODE_Q5_0 = 4u,
           MODE_Q5_1 = 5u, MODE_F16 = 6u, MODE_FP8_E4M3 = 7u, MODE_FP8_E5M2 = 8u,
           MODE_RTN_ZERO = 9u, MODE_NF4 = 10u, MODE_FP4 = 11u, MODE_Q6_K = 12u,
           MODE_Q4_K = 13u, MODE_Q5_K = 14u, MODE_IQ4_NL = 15u, MODE_Q2_K = 16u,
           MODE_Q3_K = 17u;
const uint PARTIAL_FLOATS = 9u; // (sum, compensation) x 4, then max |e|

layout(push_constant) uniform Params {
    uint count;        // values in this dispatch
    uint cols;
    uint mode;         // MODE_*
    uint quantBase;    // first word of the quantized data (after the guard words)
    uint rowWords;     // RTN: code words per row; FP8: words per row (scale + codes)
    uint scaleBase;    // RTN: first word of the scales
    uint groupLen;     // RTN: values per scale
    uint groupsPerRow; // RTN
    uint zeroBase;     // MODE_RTN_ZERO: first word of the zero points (after the scales)
} p;

shared float sums[4][WG];
shared float comps[4][WG];
shared float maxima[WG];

uint quantByte(uint byteOffset) {
    return (quant[p.quantBase + (byteOffset >> 2)] >> (8u * (byteOffset & 3u))) & 0xffu;
}

// OCP FP8 code to f32, exactly (as ql::fp8ToFloat).
float fp8ToFloat(uint code, bool e4m3) {
    int mb = e4m3 ? 3 : 2;
    int bias = e4m3 ? 7 : 15;
    uint sign = (code & 0x80u) << 24;
    uint mag = code & 0x7fu;
    uint e = mag >> uint(mb);
    uint m = mag & ((1u << uint(mb)) - 1u);
    if (e4m3 && mag == 0x7fu)
        return uintBitsToFloat(0x7fc00000u);
    if (!e4m3 && e == 31u)
        return uintBitsToFloat(m == 0u ? sign | 0x7f800000u : 0x7fc00000u);
    if (e == 0u) { // subnormal: m * 2^(1 - bias - mb); ldexp is exact, exp2 need not be
        float v = ldexp(float(m), 1 - bias - mb);
        return (code & 0x80u) != 0u ? -v : v;
    }
    return uintBitsToFloat(sign | (uint(int(e) - bias + 127) << 23) | (m << uint(23 - mb)));
}

float rtnValue(uint i) {
    uint r = i / p.cols, c = i % p.cols;
    uint word = quant[p.quantBase + r * p.rowWords + c / 4u];
    int code = int(word << (24u - 8u * (c & 3u))) >> 24; // sign-extend the byte
    uint s = scales[p.scaleBase + r * p.groupsPerRow + c / p.groupLen];
    precise float q = float(code) * qlHalfToFloat(qlFloatToHalf(s));
    return q;
}

// quantize_groups.comp's layouts: zero points (stored minus the code offset, as the
// codes) after the scales, or a bitsandbytes code book entry times the f32 absmax; as
// QuantizedTensor::dequantizeRow with codeValue (engine/quant/rtn_schemes.cpp).
float groupValue(uint i) {
    uint r = i / p.cols, c = i % p.cols;
    uint word = quant[p.quantBase + r * p.rowWords + c / 4u];
    int code = int(word << (24u - 8u * (c & 3u))) >> 24; // sign-extend the byte
    uint slot = r * p.groupsPerRow + c / p.groupLen;
    uint s = scales[p.scaleBase + slot];
    if (p.mode == MODE_RTN_ZERO) {
        precise float shifted = float(code) - uintBitsToFloat(scales[p.zeroBase + slot]);
        precise float q = shifted * qlHalfToFloat(qlFloatToHalf(s));
        return q;
    }
    uint entry = p.mode == MODE_NF4 ? QL_NF4_CODE_BOOK_BITS[uint(code) & 15u]
                                    : QL_FP4_CODE_BOOK_BITS[uint(code) & 15u];
    precise float q = uintBitsToFloat(entry) * uintBitsToFloat(s);
    return q;
}

// ggml blocks: value j of block b (dequantize_row_q*_0/1).
float blockValue(uint i) {
    uint b = i / 32u, j = i % 32u;
    if (p.mode == MODE_Q8_0) {
        uint o = b * QL_BLOCK_Q8_0_BYTES;
        float d = qlHalfToFloat(quantByte(o) | (quantByte(o + 1u) << 8));
        precise float q = float(int(quantByte(o + 2u + j) << 24) >> 24) * d;
        return q;
    }
    bool affine = p.mode == MODE_Q4_1 || p.mode == MODE_Q5_1;
    bool five = p.mode == MODE_Q5_0 || p.mode == MODE_Q5_1;
    uint bytes = p.mode == MODE_Q4_0   ? QL_BLOCK_Q4_0_BYTES
                 : p.mode == MODE_Q4_1 ? QL_BLOCK_Q4_1_BYTES
                 : p.mode == MODE_Q5_0 ? QL_BLOCK_Q5_0_BYTES
                                       : QL_BLOCK_Q5_1_BYTES;
    uint o = b * bytes;
    float d = qlHalfToFloat(quantByte(o) | (quantByte(o + 1u) << 8));
    uint qhOffset = affine ? o + 4u : o + 2u;
    uint qs = o + (affine ? 4u : 2u) + (five ? 4u : 0u);
    uint byte = quantByte(qs + (j & 15u));
    uint q = j < 16u ? (byte & 0xfu) : (byte >> 4);
    if (five) {
        uint qh = quantByte(qhOffset) | (quantByte(qhOffset + 1u) << 8) |
                  (quantByte(qhOffset + 2u) << 16) | (quantByte(qhOffset + 3u) << 24);
        q |= ((qh >> j) & 1u) << 4;
    }
    if (affine) {
        float m = qlHalfToFloat(quantByte(o + 2u) | (quantByte(o + 3u) << 8));
        precise float scaled = float(q) * d;
        precise float value = scaled + m;
        return value;
    }
    precise float value = float(int(q) - (five ? 16 : 8)) * d;
    return value;
}

// Q6_K: value v of super-block b (dequantize_row_q6_K): ql holds the low nibbles of
// values l and l + 64 (l + 32 and l + 96) of each half, qh their high two bits; the
// product is (d * scale) * code, in the C order.
float q6kValue(uint i) {
    uint b = i / QL_QK_K, v = i % QL_QK_K;
    uint o = b * QL_BLOCK_Q6_K_BYTES;
    uint part = v / 128u, r = v % 128u, quarter = r / 32u, l = r % 32u;
    uint low = quantByte(o + QL_BLOCK_Q6_K_OFFSET_ql + part * 64u + (quarter & 1u) * 32u + l);
    low = (quarter >= 2u ? low >> 4 : low) & 0xfu;
    uint high = (quantByte(o + QL_BLOCK_Q6_K_OFFSET_qh + part * 32u + l) >> (2u * quarter)) & 3u;
    int code = int(low | (high << 4)) - 32;
    int scale = int(quantByte(o + QL_BLOCK_Q6_K_OFFSET_scales + v / 16u) << 24) >> 24;
    float d = qlHalfToFloat(quantByte(o + QL_BLOCK_Q6_K_OFFSET_d) |
                            (quantByte(o + QL_BLOCK_Q6_K_OFFSET_d + 1u) << 8));
    precise float ds = d * float(scale);
    precise float q = ds * float(code);
    return q;
}

// Q4_K / Q5_K: value v of super-block b (dequantize_row_q4_K / q5_K): 64-value chunk c
// holds sub-blocks 2c (low nibbles) and 2c + 1 (high nibbles), Q5_K's fifth bit in bit
// 2c (2c + 1) of qh[l]; (d * scale) * code - dmin * min, in the C order.
float k4Value(uint i) {
    bool five = p.mode == MODE_Q5_K;
    uint b = i / QL_QK_K, v = i % QL_QK_K;
    uint o = b * (five ? QL_BLOCK_Q5_K_BYTES : QL_BLOCK_Q4_K_BYTES);
    uint c = v / 64u, upper = (v / 32u) & 1u, l = v % 32u, j = 2u * c + upper;
    uint qs = o + (five ? QL_BLOCK_Q5_K_OFFSET_qs : QL_BLOCK_Q4_K_OFFSET_qs);
    uint code = (quantByte(qs + 32u * c + l) >> (4u * upper)) & 0xfu;
    if (five)
        code += ((quantByte(o + QL_BLOCK_Q5_K_OFFSET_qh + l) >> j) & 1u) << 4;
    uint sc = o + QL_BLOCK_Q4_K_OFFSET_scales; // the same offset in Q5_K
    uint scale, mn;
    if (j < 4u) {
        scale = quantByte(sc + j) & 63u;
        mn = quantByte(sc + j + 4u) & 63u;
    } else {
        scale = (quantByte(sc + j + 4u) & 0xfu) | ((quantByte(sc + j - 4u) >> 6) << 4);
        mn = (quantByte(sc + j + 4u) >> 4) | ((quantByte(sc + j) >> 6) << 4);
    }
    float d = qlHalfToFloat(quantByte(o) | (quantByte(o + 1u) << 8));
    float dmin = qlHalfToFloat(quantByte(o + QL_BLOCK_Q4_K_OFFSET_dmin) |
                               (quantByte(o + QL_BLOCK_Q4_K_OFFSET_dmin + 1u) << 8));
    precise float d1 = d * float(scale);
    precise float m1 = dmin * float(mn);
    precise float scaled = d1 * float(code);
    precise float value = scaled - m1;
    return value;
}

// Q2_K: value v of super-block b (dequantize_row_q2_K): byte v % 32 of its half's 32 qs
// bytes, bits 2 (v % 128 / 32); scale byte v / 16 (low nibble scale, high nibble min);
// (d * scale) * code - dmin * min, in the C order.
float q2kValue(uint i) {
    uint o = (i / QL_QK_K) * QL_BLOCK_Q2_K_BYTES, v = i % QL_QK_K;
    uint r = v % 128u;
    uint code = (quantByte(o + QL_BLOCK_Q2_K_OFFSET_qs + (v / 128u) * 32u + r % 32u) >>
                 (2u * (r / 32u))) & 3u;
    uint sc = quantByte(o + v / 16u);
    float d = qlHalfToFloat(quantByte(o + QL_BLOCK_Q2_K_OFFSET_d) |
                            (quantByte(o + QL_BLOCK_Q2_K_OFFSET_d + 1u) << 8));
    float dmin = qlHalfToFloat(quantByte(o + QL_BLOCK_Q2_K_OFFSET_dmin) |
                               (quantByte(o + QL_BLOCK_Q2_K_OFFSET_dmin + 1u) << 8));
    precise float dl = d * float(sc & 0xfu);
    precise float ml = dmin * float(sc >> 4);
    precise float scaled = dl * float(code);
    precise float value = scaled - ml;
    return value;
}

// Q3_K: value v of super-block b (dequantize_row_q3_K): the low two bits in qs as Q2_K's,
// the third in hmask[v % 32] bit v / 32 (set: code - 0, clear: code - 4); the signed 6-bit
// scale v / 16; (d * scale) * code.
float q3kValue(uint i) {
    uint o = (i / QL_QK_K) * QL_BLOCK_Q3_K_BYTES, v = i % QL_QK_K;
    uint r = v % 128u;
    uint low = (quantByte(o + QL_BLOCK_Q3_K_OFFSET_qs + (v / 128u) * 32u + r % 32u) >>
                (2u * (r / 32u))) & 3u;
    bool high = ((quantByte(o + v % 32u) >> (v / 32u)) & 1u) != 0u;
    int code = int(low) - (high ? 0 : 4);
    uint j = v / 16u, sc = o + QL_BLOCK_Q3_K_OFFSET_scales;
    uint lowBits = j < 8u ? quantByte(sc + j) & 0xfu : quantByte(sc + j - 8u) >> 4;
    uint highBits = (quantByte(sc + 8u + j % 4u) >> (2u * (j / 4u))) & 3u;
    int scale = int(lowBits | (highBits << 4)) - 32;
    float d = qlHalfToFloat(quantByte(o + QL_BLOCK_Q3_K_OFFSET_d) |
                            (quantByte(o + QL_BLOCK_Q3_K_OFFSET_d + 1u) << 8));
    precise float dl = d * float(scale);
    precise float value = dl * float(code);
    return value;
}

// IQ4_NL: value j of block b (dequantize_row_iq4_nl): d * code book entry.
float iq4nlValue(uint i) {
    uint o = (i / 32u) * QL_BLOCK_IQ4_NL_BYTES, j = i % 32u;
    uint byte = quantByte(o + QL_BLOCK_IQ4_NL_OFFSET_qs + (j & 15u));
    uint index = j < 16u ? byte & 0xfu : byte >> 4;
    float d = qlHalfToFloat(quantByte(o) | (quantByte(o + 1u) << 8));
    precise float q = d * uintBitsToFloat(QL_IQ4NL_VALUE_BITS[index]);
    return q;
}

float fp8Value(uint i) {
    uint r = i / p.cols, c = i % p.cols;
    uint row = p.quantBase + r * p.rowWords;
    float scale = uintBitsToFloat(quant[row]);
    uint code = (quant[row + 1u + c / 4u] >> (8u * (c & 3u))) & 0xffu;
    precise float q = fp8ToFloat(code, p.mode == MODE_FP8_E4M3) * scale;
    return q;
}

float dequantized(uint i) {
    if (p.mode == MODE_RTN)
        return rtnValue(i);
    if (p.mode == MODE_RTN_ZERO || p.mode == MODE_NF4 || p.mode == MODE_FP4)
        return groupValue(i);
    if (p.mode == MODE_F16)
        return qlHalfToFloat((quant[p.quantBase + i / 2u] >> (16u * (i & 1u))) & 0xffffu);
    if (p.mode == MODE_FP8_E4M3 || p.mode == MODE_FP8_E5M2)
        return fp8Value(i);
    if (p.mode == MODE_Q6_K)
        return q6kValue(i);
    if (p.mode == MODE_Q4_K || p.mode == MODE_Q5_K)
        return k4Value(i);
    if (p.mode == MODE_IQ4_NL)
        return iq4nlValue(i);
    if (p.mode == MODE_Q2_K)
        return q2kValue(i);
    if (p.mode == MODE_Q3_K)
        return q3kValue(i);
    return blockValue(i);
}

void kahanAdd(inout float s, inout float c, float v) {
    precise float y = v - c;
    precise float t = s + y;
    precise float nc = (t - s) - y;
    c = nc;
    s = t;
}

// (s1 - c1) + (s2 - c2) as a new (sum, compensation) pair, the sum's error kept exactly.
void combine(uint k, uint a, uint b) {
    float s1 = sums[k][a], s2 = sums[k][b];
    precise float t = s1 + s2;
    precise float bp = t - s1;
    precise float err = (s1 - (t - bp)) + (s2 - bp);
    precise float c = (comps[k][a] + comps[k][b]) - err;
    sums[k][a] = t;
    comps[k][a] = c;
}

void main() {
    uint tid = gl_LocalInvocationID.x;
    uint first = gl_WorkGroupID.x * PER_GROUP;
    float s[4] = float[4](0.0, 0.0, 0.0, 0.0);
    float c[4] = float[4](0.0, 0.0, 0.0, 0.0);
    float mx = 0.0;
    for (uint k = 0u; k < PER_INVOCATION; ++k) {
        uint i = first + k * WG + tid;
        if (i >= p.count)
            break;
        float w = uintBitsToFloat(srcBits[i]);
        float q = dequantized(i);
        precise float e = q - w;
        precise float ww = w * w;
        precise float qq = q * q;
        precise float wq = w * q;
        precise float ee = e * e;
        kahanAdd(s[0], c[0], ww);
        kahanAdd(s[1], c[1], qq);
        kahanAdd(s[2], c[2], wq);
        kahanAdd(s[3], c[3], ee);
        mx = max(mx, abs(e));
    }
    for (uint k = 0u; k < 4u; ++k) {
        sums[k][tid] = s[k];
        comps[k][tid] = c[k];
    }
    maxima[tid] = mx;
    barrier();
    for (uint stride = WG / 2u; stride > 0u; stride /= 2u) {
        if (tid < stride) {
            for (uint k = 0u; k < 4u; ++k)
                combine(k, tid, tid + stride);
            maxima[tid] = max(maxima[tid], maxima[tid + stride]);
        }
        barrier();
    }
    if (tid == 0u) {
        uint o = gl_WorkGroupID.x * PARTIAL_FLOATS;
        for (uint k = 0u; k < 4u; ++k) {
            partials[o + 2u * k] = sums[k][0];
            partials[o + 2u * k + 1u] = comps[k][0];
        }
        partials[o + 8u] = maxima[0];
    }
}
