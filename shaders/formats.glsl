// Mirrors engine/quant/formats.h for the shaders: code ranges and the exact arithmetic
// of the rounding contract (engine/quant/quantize.h). Included by the quantize_*.comp.
#ifndef QL_FORMATS_GLSL
#define QL_FORMATS_GLSL

const int QL_INT8_QMAX = 127; // QuantFormat::Int8PerChannel
const int QL_INT4_QMAX = 7;   // QuantFormat::Int4G128
const uint QL_INT4_GROUP = 128;

// |x| as an ordered integer: for non-negative IEEE floats the bit patterns sort like the
// values, so a uint max gives the exact absmax even on devices that flush denormals.
uint qlAbsBits(uint xBits) { return xBits & 0x7fffffffu; }

// Correctly rounded a / b (round to nearest, ties to even) for finite a >= 0, b > 0,
// computed in integers. Why: Vulkan lets OpFDiv be off by 2.5 ULP and GPU drivers use
// that freedom (reciprocal then multiply); the contract needs the IEEE quotient that
// the CPU computes. It runs once per row, so long division costs nothing that matters.
// Subnormal operands and results are handled; an overflow gives +inf, as on the CPU.
uint qlMantissa(uint bits, out int exponent) {
    uint e = bits >> 23;
    uint m = bits & 0x7fffffu;
    if (e == 0u) { // subnormal: normalise so that bit 23 is set
        int shift = 23 - findMSB(m);
        exponent = 1 - 127 - shift;
        return m << uint(shift);
    }
    exponent = int(e) - 127;
    return m | 0x800000u;
}

uint qlDivBits(uint aBits, uint bBits) {
    if (aBits == 0u)
        return 0u;
    int ea, eb;
    uint ma = qlMantissa(aBits, ea);
    uint mb = qlMantissa(bBits, eb);
    int e = ea - eb;
    if (ma < mb) { // keep the quotient in [1, 2)
        ma <<= 1;
        e -= 1;
    }
    // 25 quotient bits: 24 of mantissa and one round bit; the remainder is the sticky.
    uint q = 0u;
    uint rem = ma;
    for (int i = 0; i < 25; ++i) {
        q <<= 1;
        if (rem >= mb) {
            rem -= mb;
            q |= 1u;
        }
        rem <<= 1;
    }
    int biased = e + 127;
    if (biased >= 255)
        return 0x7f800000u;
    // Normal results drop the round bit; subnormal ones drop more bits, rounded once.
    int drop = biased >= 1 ? 1 : 2 - biased;
    if (drop > 25)
        return 0u; // below half the smallest subnormal
    uint kept = q >> uint(drop);
    uint halfway = 1u << uint(drop - 1);
    uint lost = q & ((halfway << 1) - 1u);
    bool sticky = rem != 0u;
    if (lost > halfway || (lost == halfway && (sticky || (kept & 1u) != 0u)))
        kept += 1u; // may carry into the exponent, which is what IEEE rounding does
    if (biased < 1)
        return kept; // subnormal (or the smallest normal after the carry)
    return (uint(biased - 1) << 23) + kept;
}

// The contract's scale and inverse: scale = absmax / qmax, inv = scale != 0 ? 1/scale : 0.
uint qlScaleBits(uint absmaxBits, int qmax) {
    return qlDivBits(absmaxBits, floatBitsToUint(float(qmax)));
}
// An inverse that overflows (scale below about 2.9e-39) is 0, as in quantizeReference.
uint qlInverseBits(uint scaleBits) {
    uint inv = scaleBits == 0u ? 0u : qlDivBits(floatBitsToUint(1.0), scaleBits);
    return inv == 0x7f800000u ? 0u : inv;
}

// code = clamp(roundEven(x * inv), -qmax, qmax). OpFMul is correctly rounded in Vulkan;
// `precise` forbids fusing it with anything. roundEven is exact.
int qlCode(float x, float inv, int qmax) {
    precise float product = x * inv;
    precise float rounded = roundEven(product);
    return int(clamp(rounded, float(-qmax), float(qmax)));
}

#endif
