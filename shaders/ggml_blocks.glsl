// Mirrors the ggml block layouts of engine/quant/formats.h (BlockQ8_0 ... BlockQ5_1, BlockQ6_K) and
// the float arithmetic of ggml's reference quantizers (engine/quant/ggml_legacy_quant.cpp)
// for the shaders. The sizes below are checked against the C++ structs at build time:
// shaders/CMakeLists.txt turns every `const uint QL_BLOCK_<T>_BYTES` line into a
// static_assert(sizeof(ql::Block<T>) == ...), so the two cannot drift apart.
#ifndef QL_GGML_BLOCKS_GLSL
#define QL_GGML_BLOCKS_GLSL

#include "formats.glsl"

const uint QL_BLOCK_VALUES = 32u;     // weights per block (ggml's QK8_0, QK4_0, ...)
const uint QL_BLOCK_Q8_0_BYTES = 34u; // d (fp16), qs[32]
const uint QL_BLOCK_Q4_0_BYTES = 18u; // d, qs[16]
const uint QL_BLOCK_Q4_1_BYTES = 20u; // d, m, qs[16]
const uint QL_BLOCK_Q5_0_BYTES = 22u; // d, qh[4], qs[16]
const uint QL_BLOCK_Q5_1_BYTES = 24u; // d, m, qh[4], qs[16]
const uint QL_BLOCK_Q4_0_OFFSET_qs = 2u;
const uint QL_BLOCK_Q4_1_OFFSET_m = 2u;
const uint QL_BLOCK_Q4_1_OFFSET_qs = 4u;
const uint QL_BLOCK_Q5_0_OFFSET_qh = 2u;
const uint QL_BLOCK_Q5_0_OFFSET_qs = 6u;
const uint QL_BLOCK_Q5_1_OFFSET_m = 2u;
const uint QL_BLOCK_Q5_1_OFFSET_qh = 4u;
const uint QL_BLOCK_Q5_1_OFFSET_qs = 8u;
// The K-quants (super-blocks of 256 values). Field offsets are checked against
// offsetof(ql::Block<T>, field) as the sizes are.
const uint QL_QK_K = 256u;
// Q2_K: 16 scale bytes (low nibble scale, high nibble min), qs[64] (2-bit codes), d, dmin.
const uint QL_BLOCK_Q2_K_BYTES = 84u;
const uint QL_BLOCK_Q2_K_OFFSET_qs = 16u;
const uint QL_BLOCK_Q2_K_OFFSET_d = 80u;
const uint QL_BLOCK_Q2_K_OFFSET_dmin = 82u;
// Q3_K: hmask[32] (the third bit), qs[64] (low 2 bits), 16 6-bit scales in 12 bytes, d.
const uint QL_BLOCK_Q3_K_BYTES = 110u;
const uint QL_BLOCK_Q3_K_OFFSET_qs = 32u;
const uint QL_BLOCK_Q3_K_OFFSET_scales = 96u;
const uint QL_BLOCK_Q3_K_OFFSET_d = 108u;
// Q4_K: d, dmin (fp16), 8 6-bit scales and 8 6-bit mins packed in 12 bytes, qs[128].
const uint QL_BLOCK_Q4_K_BYTES = 144u;
const uint QL_BLOCK_Q4_K_OFFSET_dmin = 2u;
const uint QL_BLOCK_Q4_K_OFFSET_scales = 4u;
const uint QL_BLOCK_Q4_K_OFFSET_qs = 16u;
// Q5_K: as Q4_K with the fifth bits in qh[32] before qs.
const uint QL_BLOCK_Q5_K_BYTES = 176u;
const uint QL_BLOCK_Q5_K_OFFSET_dmin = 2u;
const uint QL_BLOCK_Q5_K_OFFSET_scales = 4u;
const uint QL_BLOCK_Q5_K_OFFSET_qh = 16u;
const uint QL_BLOCK_Q5_K_OFFSET_qs = 48u;
// IQ4_NL (blocks of 32): d (fp16), qs[16] (4-bit indices into the code book).
const uint QL_BLOCK_IQ4_NL_BYTES = 18u;
const uint QL_BLOCK_IQ4_NL_OFFSET_qs = 2u;
// Q6_K: ql[128], qh[64], scales[16] (int8), d (fp16).
const uint QL_BLOCK_Q6_K_BYTES = 210u;
const uint QL_BLOCK_Q6_K_OFFSET_ql = 0u;
const uint QL_BLOCK_Q6_K_OFFSET_qh = 128u;
const uint QL_BLOCK_Q6_K_OFFSET_scales = 192u;
const uint QL_BLOCK_Q6_K_OFFSET_d = 208u;

const uint QL_F32_INF = 0x7f800000u;
const uint QL_SIGN = 0x80000000u;

// IEEE binary16 from f32 bits, round to nearest even, as ql::floatToHalf
// (engine/core/half.h) and ggml's GGML_FP32_TO_FP16: integer arithmetic only, because
// Vulkan leaves the rounding of f32 -> f16 conversions to the implementation.
uint qlFloatToHalf(uint x) {
    uint sign = (x >> 16) & 0x8000u;
    uint absx = x & 0x7fffffffu;
    if (absx >= QL_F32_INF)
        return sign | 0x7c00u | (absx > QL_F32_INF ? 0x200u : 0u);
    if (absx >= 0x477ff000u) // rounds to >= 65520: infinity
        return sign | 0x7c00u;
    if (absx < 0x38800000u) { // below the smallest normal half
        if (absx < 0x33000000u)
            return sign;
        uint e = absx >> 23;
        uint m = (absx & 0x7fffffu) | 0x800000u;
        uint shift = 126u - e; // 14..24
        uint r = m >> shift;
        uint rem = m & ((1u << shift) - 1u);
        uint halfway = 1u << (shift - 1u);
        if (rem > halfway || (rem == halfway && (r & 1u) != 0u))
            r += 1u;
        return sign | r;
    }
    uint r = absx - 0x38000000u;
    uint rem = r & 0x1fffu;
    r >>= 13;
    if (rem > 0x1000u || (rem == 0x1000u && (r & 1u) != 0u))
        r += 1u;
    return sign | r;
}

// IEEE binary16 bits to f32, exactly (as ql::halfToFloat).
float qlHalfToFloat(uint h) {
    uint sign = (h & 0x8000u) << 16;
    uint e = (h >> 10) & 0x1fu;
    uint m = h & 0x3ffu;
    if (e == 0u) {
        if (m == 0u)
            return uintBitsToFloat(sign);
        int shift = 10 - findMSB(m); // normalise the subnormal
        return uintBitsToFloat(sign | (uint(127 - 15 + 1 - shift) << 23) |
                               (((m << uint(shift)) & 0x3ffu) << 13));
    }
    if (e == 0x1fu)
        return uintBitsToFloat(sign | 0x7f800000u | (m << 13));
    return uintBitsToFloat(sign | ((e + 112u) << 23) | (m << 13));
}

// ggml's nearest_int: v + 1.5 * 2^23, then the low mantissa bits: round half to even for
// |v| <= 2^22, and the same bits as the C code beyond (the add is correctly rounded).
int qlNearestInt(float v) {
    precise float shifted = v + 12582912.0;
    return int(floatBitsToUint(shifted) & 0x7fffffu) - 0x400000;
}

// a / b correctly rounded for finite a and b > 0 of either sign (formats.glsl's
// qlDivBits works on magnitudes); the sign follows IEEE, including -0 for 0 / -b.
uint qlSignedDivBits(uint aBits, uint bBits) {
    uint sign = (aBits ^ bBits) & QL_SIGN;
    return sign | qlDivBits(aBits & 0x7fffffffu, bBits & 0x7fffffffu);
}

// ggml's `id = d != 0 ? 1/d : 0` (no overflow guard: a tiny d gives an infinite id).
uint qlGgmlInverseBits(uint dBits) {
    if ((dBits & 0x7fffffffu) == 0u)
        return 0u;
    return qlSignedDivBits(floatBitsToUint(1.0), dBits);
}

// An ordered key for the float min/max of Q4_1 and Q5_1: unsigned order equals float
// order, and -0 and +0 share a key because std::min / std::max treat them as equal.
uint qlOrderKey(uint bits) {
    if (bits == QL_SIGN)
        bits = 0u;
    return (bits & QL_SIGN) != 0u ? ~bits : bits | QL_SIGN;
}

// C's roundf: half away from zero. v - trunc(v) is exact, so the tie test is exact
// (floor(v + 0.5) is not: 0.49999997 + 0.5 rounds up to 1).
int qlRoundHalfAway(float v) {
    precise float t = trunc(v);
    precise float frac = v - t;
    return int(t) + (abs(frac) >= 0.5 ? int(sign(v)) : 0);
}

#endif
