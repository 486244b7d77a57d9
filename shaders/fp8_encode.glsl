// OCP FP8 encoding in integers, shared by quantize_fp8_rowwise.comp (a scale per row) and
// quantize_fp8_tensor.comp (one scale for the whole tensor): code for code
// engine/quant/fp8.cpp's floatToFp8(x / scale): the quotient from one multiply where that
// provably gives the same code, by integer long division where it might not.
#ifndef QL_FP8_ENCODE_GLSL
#define QL_FP8_ENCODE_GLSL

#include "formats.glsl"

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

// 1 / scale for fp8Code's shortcut, exact (qlDivBits), or 0 where the shortcut must not
// be taken: a scale of 0, an inverse that overflows or is subnormal (a device may flush it).
uint fp8InverseBits(uint scaleBits) {
    if (scaleBits == 0u)
        return 0u;
    uint inv = qlDivBits(0x3f800000u, scaleBits);
    uint e = inv >> 23;
    return e == 0u || e >= 255u ? 0u : inv;
}

// Bits of f32 below 2^-60: far under half the smallest FP8 subnormal (2^-10, 2^-17).
const uint QL_FP8_TINY_BITS = (127u - 60u) << 23;
// q = x * (1 / scale), two correctly rounded steps, lies within 2^-23 of x / scale
// relative, so within 4 ulps of the f32 quotient the reference rounds to FP8 (a binade
// edge at most doubles 2 ulps). FP8 rounding is monotone: when q - 8 and q + 8 ulps give
// the same code, the quotient does too.
const uint QL_FP8_SLACK_ULPS = 8u;

// The FP8 code of x / scale, sign kept. invBits = fp8InverseBits(scaleBits). Most values
// take one multiply and two roundings to FP8; those within a few ulps of an FP8 midpoint,
// and subnormal or non-finite x (a device may flush the one, the other has no quotient to
// approximate), take the exact long division.
uint fp8Code(uint xBits, uint scaleBits, uint invBits, Fp8 f) {
    if (scaleBits == 0u)
        return 0u;
    uint sign = (xBits >> 24) & 0x80u;
    uint a = xBits & 0x7fffffffu;
    uint ea = a >> 23;
    if (invBits != 0u && ea != 0u && ea != 255u) {
        precise float q = uintBitsToFloat(a) * uintBitsToFloat(invBits);
        uint qb = floatBitsToUint(q);
        if (qb < QL_FP8_TINY_BITS)
            return sign;
        uint lo = fp8Magnitude(qb - QL_FP8_SLACK_ULPS, f);
        if (lo == fp8Magnitude(qb + QL_FP8_SLACK_ULPS, f))
            return sign | lo;
    }
    return sign | fp8Magnitude(qlDivBits(a, scaleBits), f);
}

#endif
