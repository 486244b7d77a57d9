// OCP FP8 encoding in integers, shared by quantize_fp8_rowwise.comp (a scale per row) and
// quantize_fp8_tensor.comp (one scale for the whole tensor): code for code
// engine/quant/fp8.cpp's floatToFp8(x / scale), the quotient by integer long division.
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

uint fp8Code(uint xBits, uint scaleBits, Fp8 f) {
    if (scaleBits == 0u)
        return 0u;
    uint sign = (xBits >> 24) & 0x80u;
    return sign | fp8Magnitude(qlDivBits(xBits & 0x7fffffffu, scaleBits), f);
}

#endif
