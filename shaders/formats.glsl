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
// the CPU computes. Subnormal operands and results are handled; an overflow gives +inf,
// as on the CPU.
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

// The 25-bit quotient q = floor(ma * 2^24 / mb) of mantissas ma in [mb, 2 mb), mb in
// [2^23, 2^24), and whether a remainder is left (the sticky bit).
//
// Estimate: the mantissas are exact integers below 2^25, so float(ma) and float(mb) are
// normal floats on any device; the reciprocal's 2.5 ulp (OpFDiv's bound) and the
// multiply's half ulp make f within 3 * 2^-23 relative of ma / mb in [1, 2), so
// floor(f * 2^24) is within 13 of q. The remainder ma * 2^24 - q0 * mb is computed exactly in
// 64 bits (umulExtended) and fits 32 bits (13 * 2^24 < 2^31); remainder / mb, by the
// same reciprocal, is the error in steps (exact to well under half a step),
// taken out at once; two selects settle the last step. 0 <= remainder < mb then proves
// the quotient whatever the device's division did; false means no proof (a device beyond
// the spec's bound), and the caller runs the long division. About 25 operations against
// the long division's 125, with neither a loop nor a branch; it matters where the
// reference divides every weight (GPTQ, compressed-tensors, asymmetric grids).
// tests/conformance/division_test.cpp checks both paths against the CPU's IEEE division.
bool qlQuotientFromEstimate(uint ma, uint mb, out uint q, out bool sticky) {
    float reciprocal = 1.0 / float(mb);
#ifdef QL_TEST_RECIPROCAL_SKEW_ULPS // division_check's variants: a device at the spec's edge
    reciprocal = uintBitsToFloat(uint(int(floatBitsToUint(reciprocal)) + QL_TEST_RECIPROCAL_SKEW_ULPS));
#endif
    uint q0 = uint(clamp(float(ma) * reciprocal, 1.0, 2.0) * 16777216.0); // * 2^24 exact
    uint productHi, productLo;
    umulExtended(q0, mb, productHi, productLo);
    uint targetHi = ma >> 8u, targetLo = ma << 24u; // ma * 2^24 in two words
    uint diffLo = targetLo - productLo;
    uint diffHi = targetHi - productHi - (targetLo < productLo ? 1u : 0u);
    bool fits = diffHi == (int(diffLo) < 0 ? 0xffffffffu : 0u);
    int rem = int(diffLo);
    // rem / mb is the estimate's error in steps (a few at most): remove it, then settle
    // the last step either way; no loop, no branch.
    int steps = int(roundEven(float(rem) * reciprocal));
    q0 = uint(int(q0) + steps);
    rem -= steps * int(mb);
    bool under = rem < 0;
    rem += under ? int(mb) : 0;
    q0 -= under ? 1u : 0u;
    bool over = rem >= int(mb);
    rem -= over ? int(mb) : 0;
    q0 += over ? 1u : 0u;
    q = q0;
    sticky = rem != 0;
    return fits && rem >= 0 && rem < int(mb);
}

// The same quotient by restoring long division, one bit per step: 25 quotient bits (24
// of mantissa and one round bit); the remainder is the sticky. `steps` is 25, or 0 to
// leave q and sticky as they are: a loop whose bound is 0 in every lane ends at once on
// every device, whereas a branch around the loop does not on lavapipe, which runs both
// sides of a divergent `if` under a mask and so would pay the 25 steps always.
void qlQuotientByLongDivision(uint ma, uint mb, int steps, inout uint q, inout bool sticky) {
    uint quotient = 0u;
    uint rem = ma;
    for (int i = 0; i < steps; ++i) {
        bool take = rem >= mb; // selects, not a branch: cheaper under lavapipe's masks
        rem -= take ? mb : 0u;
        quotient = (quotient << 1) | (take ? 1u : 0u);
        rem <<= 1;
    }
    if (steps > 0) {
        q = quotient;
        sticky = rem != 0u;
    }
}

// Rounds the quotient to f32: e is the unbiased exponent of q / 2^24 in [1, 2).
uint qlRoundQuotient(uint q, bool sticky, int e) {
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
    if (lost > halfway || (lost == halfway && (sticky || (kept & 1u) != 0u)))
        kept += 1u; // may carry into the exponent, which is what IEEE rounding does
    if (biased < 1)
        return kept; // subnormal (or the smallest normal after the carry)
    return (uint(biased - 1) << 23) + kept;
}

// qlDivBits with the quotient taken by `longDivisionOnly` ? long division : the fast
// path (falling back to long division). Both give the same bits; the tests run both.
uint qlDivBitsBy(uint aBits, uint bBits, bool longDivisionOnly) {
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
    uint q = 0u;
    bool sticky = false;
    bool proven = !longDivisionOnly && qlQuotientFromEstimate(ma, mb, q, sticky);
    qlQuotientByLongDivision(ma, mb, proven ? 0 : 25, q, sticky);
    return qlRoundQuotient(q, sticky, e);
}

// Specialization constant 0, set by the host for every pipeline (KernelChoices::division,
// QUANTLENS_VULKAN_DIVISION=long): the driver compiles the other path out.
layout(constant_id = 0) const bool QL_LONG_DIVISION_ONLY = false;

uint qlDivBits(uint aBits, uint bBits) { return qlDivBitsBy(aBits, bBits, QL_LONG_DIVISION_ONLY); }

// a * a - b for a < 2^26 and b < 2^50 (given as two words), exactly in 64 bits: returns
// its low word; negative, fits (whether it fits an int) and approx (its value as a float).
int qlSquareMinus(uint a, uint bHi, uint bLo, out bool negative, out bool fits,
                  out float approx) {
    uint hi, lo;
    umulExtended(a, a, hi, lo);
    uint dLo = lo - bLo;
    uint dHi = hi - bHi - (lo < bLo ? 1u : 0u);
    negative = int(dHi) < 0;
    fits = dHi == (int(dLo) < 0 ? 0xffffffffu : 0u);
    approx = float(int(dHi)) * 4294967296.0 + float(dLo);
    return int(dLo);
}

// Correctly rounded sqrt of a non-negative normal float or zero, in integers: Vulkan's sqrt
// is only as accurate as 1 / inversesqrt(x), and ggml's K-quant weights take std::sqrt's
// IEEE result. M = mantissa * 2^s (s = 25 or 26, so that the exponent left is even) has
// 49-50 bits and r = floor(sqrt(M)) 25: 24 bits and the round bit. The float sqrt gives r
// to within a few units; one Newton step (its error is squared: r off by k leaves about
// k^2 / 2^25) and exact checks of r^2 <= M < (r + 1)^2 (64 bits, umulExtended) settle it,
// one unit at a time, at most 64. A tie is impossible (M is even, so M = r^2 with r odd
// cannot be).
uint qlSqrtBits(uint bits) {
    if (bits == 0u)
        return 0u;
    int e = int(bits >> 23) - 127;
    uint m = (bits & 0x7fffffu) | 0x800000u;
    int s = ((e - 23 - 25) & 1) == 0 ? 25 : 26;
    uint mHi = m >> uint(32 - s), mLo = m << uint(s); // M = m * 2^s
    float estimate = sqrt(float(m) * exp2(float(s)));
#ifdef QL_TEST_SQRT_SKEW_ULPS // sqrt_check_skew: an estimate far off, for the correction
    estimate = uintBitsToFloat(uint(int(floatBitsToUint(estimate)) + QL_TEST_SQRT_SKEW_ULPS));
#endif
    uint r = uint(estimate);
    bool negative, fits;
    float approx;
    qlSquareMinus(r, mHi, mLo, negative, fits, approx); // r^2 - M
    r = uint(int(r) - int(roundEven(approx / (2.0 * float(r))))); // one Newton step
    for (int step = 0; step < 64; ++step) {
        int rem = qlSquareMinus(r, mHi, mLo, negative, fits, approx);
        if (!negative && (rem != 0 || !fits)) { // r^2 > M
            r -= 1u;
            continue;
        }
        int above = qlSquareMinus(r + 1u, mHi, mLo, negative, fits, approx); // (r + 1)^2 - M
        if (negative || (above == 0 && fits)) { // (r + 1)^2 <= M
            r += 1u;
            continue;
        }
        break;
    }
    uint mantissa = (r >> 1) + (r & 1u); // round half up: no ties
    int p = 1 + (e - 23 - s) / 2;        // sqrt = (r / 2) * 2^p
    return (uint(p + 150) << 23) + (mantissa - 0x800000u);
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
