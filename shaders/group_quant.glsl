// The exact arithmetic of the unpacked formats beyond the symmetric absmax grid
// (engine/quant/rtn_schemes.cpp: compressed-tensors' half-range grid, GPTQ's symmetric
// and asymmetric min/max grids with zero points, bitsandbytes NF4/FP4), and the scheme
// numbers the host passes in. Included by quantize_groups.comp.
//
// Every per-group quantity (hi - lo, the scale, the zero point, 1/absmax) and every
// per-weight quotient x / scale is computed in integers from the bit patterns: Vulkan lets
// OpFDiv be off by 2.5 ULP and lets devices flush denormals, while the reference uses
// IEEE f32 division and addition. The one float operation left is NF4/FP4's x * (1 /
// absmax), a single correctly rounded `precise` OpFMul as in formats.glsl.
#ifndef QL_GROUP_QUANT_GLSL
#define QL_GROUP_QUANT_GLSL

#include "code_books.glsl"
#include "formats.glsl"

// QuantScheme of engine/quant/formats.h, as numbered by quantize_groups.cpp (checked at
// build time against GroupScheme there: shaders/CMakeLists.txt).
const uint QL_SCHEME_SYM_ABSMAX = 0u;
const uint QL_SCHEME_SYM_HALF_RANGE = 1u;
const uint QL_SCHEME_SYM_GPTQ = 2u;
const uint QL_SCHEME_ASYM = 3u;
const uint QL_SCHEME_NF4 = 4u;
const uint QL_SCHEME_FP4 = 5u;

const uint QL_INF_BITS = 0x7f800000u;
const uint QL_FLT_EPSILON_BITS = 0x34000000u; // 2^-23, compressed-tensors' minimum scale
const uint QL_ONE_BITS = 0x3f800000u;

// Range statistics as rtnStats keeps them (engine/quant/rtn_schemes.cpp): min and max both
// start at 0, so min <= 0 <= max; -0 never counts as negative (std::min keeps +0).
// negBits: |min| (0 when nothing is below zero); maxBits: max; absBits: max |x|. Each is a
// max over non-negative float bit patterns, which order like the values (exact, and
// immune to denormal flushing).
uint qlNegativeKey(uint xBits) {
    uint magnitude = xBits & 0x7fffffffu;
    return (xBits >> 31) != 0u ? magnitude : 0u;
}
uint qlPositiveKey(uint xBits) { return (xBits >> 31) == 0u ? xBits : 0u; }

// a + b for finite a, b >= 0 (bit patterns), rounded to nearest even as IEEE addition,
// subnormals exact; +inf when it overflows. Three extra bits (guard, round, sticky).
uint qlAddBits(uint aBits, uint bBits) {
    uint hi = max(aBits, bBits);
    uint lo = min(aBits, bBits);
    if (lo == 0u)
        return hi;
    uint eh = hi >> 23, el = lo >> 23;
    uint mh = ((hi & 0x7fffffu) | (eh != 0u ? 0x800000u : 0u)) << 3;
    uint ml = ((lo & 0x7fffffu) | (el != 0u ? 0x800000u : 0u)) << 3;
    eh = max(eh, 1u); // subnormals have the scale of exponent field 1
    el = max(el, 1u);
    uint d = eh - el;
    if (d >= 27u)
        ml = 1u; // only the sticky bit survives
    else if (d > 0u)
        ml = (ml >> d) | ((ml & ((1u << d) - 1u)) != 0u ? 1u : 0u);
    uint m = mh + ml;
    uint e = eh;
    if (m >= (0x1000000u << 3)) {
        m = (m >> 1) | (m & 1u);
        e += 1u;
    }
    uint low = m & 7u;
    m >>= 3;
    if (low > 4u || (low == 4u && (m & 1u) != 0u))
        m += 1u;
    if (m >= 0x1000000u) { // the rounding carried into the next binade
        m >>= 1;
        e += 1u;
    }
    if (e >= 255u)
        return QL_INF_BITS;
    if (m < 0x800000u)
        return m; // subnormal (e is 1 here)
    return (e << 23) | (m & 0x7fffffu);
}

// x / s for finite x and finite s > 0, correctly rounded (signed wrapper of qlDivBits).
uint qlDivSignedBits(uint xBits, uint sBits) {
    return (xBits & 0x80000000u) | qlDivBits(xBits & 0x7fffffffu, sBits);
}

// The inverse that qlQuotientToRound multiplies by: 1 / scale (exact, qlDivBits) when the
// estimate path is on (QL_LONG_DIVISION_ONLY false) and scale and inverse are normal
// floats; else 0, which sends every weight of the group to the exact quotient. A subnormal
// or infinite operand is left to the division because a device may flush the one and the
// other has no product to approximate.
uint qlShortcutInverseBits(uint scaleBits) {
    uint e = scaleBits >> 23;
    if (QL_LONG_DIVISION_ONLY || e == 0u || e >= 255u)
        return 0u;
    uint inv = qlDivBits(QL_ONE_BITS, scaleBits);
    uint ei = inv >> 23;
    return ei == 0u || ei >= 255u ? 0u : inv;
}

// Bits of 2^22: below it, 8 ulps are far less than the 0.5 between an integer and the
// next rounding boundary, and rounding to an integer is still a question.
const uint QL_QUOTIENT_SHORTCUT_LIMIT_BITS = (127u + 22u) << 23;
const uint QL_QUOTIENT_SLACK_ULPS = 8u;

// A float that rounds (roundEven) to the same integer as the IEEE quotient x / s, and is
// finite exactly when that quotient is: what the GPTQ, asymmetric and compressed-tensors
// codes need of the per-weight division of their reference. q = x * (1 / s), the inverse
// exact and the product correctly rounded (`precise`), lies within 2^-23 relative of x / s,
// so within 4 ulps of the IEEE quotient; rounding to an integer is monotone, so when
// q - 8 and q + 8 ulps round to the same integer, so does the quotient, and that integer
// is returned. Otherwise (within 8 ulps of a half-integer, which the conformance suite's
// ties pattern puts weights at on purpose), subnormal or non-finite x, or invBits 0: the
// exact quotient (qlDivSignedBits). The same argument as FP8's (fp8_encode.glsl); it saves
// the division for all but about 16 ulps in 2^23 of the weights.
uint qlQuotientToRound(uint xBits, uint sBits, uint invBits) {
    uint a = xBits & 0x7fffffffu;
    uint ea = a >> 23;
    // The constant first: under long division the compiler drops this block.
    if (!QL_LONG_DIVISION_ONLY && invBits != 0u && ea != 0u && ea != 255u) {
        precise float product = uintBitsToFloat(a) * uintBitsToFloat(invBits);
        uint qb = floatBitsToUint(product);
        if (qb < QL_QUOTIENT_SHORTCUT_LIMIT_BITS) {
            uint below = qb >= QL_QUOTIENT_SLACK_ULPS ? qb - QL_QUOTIENT_SLACK_ULPS : 0u;
            float low = roundEven(uintBitsToFloat(below));
            float high = roundEven(uintBitsToFloat(qb + QL_QUOTIENT_SLACK_ULPS));
            if (low == high)
                return (xBits & 0x80000000u) | floatBitsToUint(low);
        }
    }
    return qlDivSignedBits(xBits, sBits);
}

struct QlGroupParams {
    uint scaleBits;  // what QuantizedTensor::scales holds
    uint invBits;    // SymAbsmax: 1/scale or 0; Nf4/Fp4: 1/absmax (+inf for a zero block);
                     // half-range, GPTQ, asym: qlShortcutInverseBits(scale)
    float zero;      // GPTQ/asym: the unshifted zero point (an integer)
};

// GPTQ's find_params for one group (gptqParams in rtn_schemes.cpp).
QlGroupParams qlGptqParams(bool symmetric, uint bits, uint negBits, uint maxBits) {
    uint maxq = (1u << bits) - 1u;
    uint lo = negBits, hi = maxBits; // lo is |min|
    if (symmetric) {
        hi = max(lo, hi);
        if (lo != 0u)
            lo = hi;
    }
    if (lo == 0u && hi == 0u) {
        lo = QL_ONE_BITS;
        hi = QL_ONE_BITS;
    }
    QlGroupParams g;
    uint range = qlAddBits(hi, lo); // hi - min
    g.scaleBits = range == QL_INF_BITS ? QL_INF_BITS : qlDivBits(range, floatBitsToUint(float(maxq)));
    g.invBits = 0u;
    if (symmetric)
        g.zero = float((maxq + 1u) / 2u);
    else if (g.scaleBits == 0u)
        g.zero = float(1u << (bits - 1u)); // the code offset: stored zero 0
    else if (g.scaleBits == QL_INF_BITS)
        g.zero = 0.0; // -min / inf
    else
        g.zero = roundEven(uintBitsToFloat(qlDivBits(lo, g.scaleBits)));
    return g;
}

QlGroupParams qlGroupParams(uint scheme, uint bits, int qmax, uint negBits, uint maxBits,
                            uint absBits) {
    QlGroupParams g;
    g.zero = 0.0;
    g.invBits = 0u;
    if (scheme == QL_SCHEME_SYM_ABSMAX) {
        g.scaleBits = qlScaleBits(absBits, qmax);
        g.invBits = qlInverseBits(g.scaleBits);
    } else if (scheme == QL_SCHEME_SYM_HALF_RANGE) {
        // max(absmax / ((2^n - 1) / 2), FLT_EPSILON); the divisor is exact (127.5, 7.5, ...).
        precise float halfRange = float((1u << bits) - 1u) * 0.5; // exact; OpFDiv need not be
        uint divisor = floatBitsToUint(halfRange);
        g.scaleBits = max(qlDivBits(absBits, divisor), QL_FLT_EPSILON_BITS);
        g.invBits = qlShortcutInverseBits(g.scaleBits);
    } else if (scheme == QL_SCHEME_SYM_GPTQ || scheme == QL_SCHEME_ASYM) {
        g = qlGptqParams(scheme == QL_SCHEME_SYM_GPTQ, bits, negBits, maxBits);
        g.invBits = qlShortcutInverseBits(g.scaleBits);
    } else { // NF4, FP4: scale = absmax, inv = 1.0f / absmax (inf for a zero block)
        g.scaleBits = absBits;
        g.invBits = absBits == 0u ? QL_INF_BITS : qlDivBits(QL_ONE_BITS, absBits);
    }
    return g;
}

// NF4: the number of thresholds below v (bnb's decision tree; NaN gives 0).
uint qlNf4Code(float v) {
    uint code = 0u;
    for (uint i = 0u; i < 15u; ++i)
        code += v > uintBitsToFloat(QL_NF4_THRESHOLD_BITS[i]) ? 1u : 0u;
    return code;
}

// FP4: the magnitude's rank among the thresholds, mapped to E2M1 bits, plus the sign.
uint qlFp4Code(float v) {
    float a = abs(v);
    uint rank = 0u;
    for (uint i = 0u; i < 7u; ++i)
        rank += a > uintBitsToFloat(QL_FP4_THRESHOLD_BITS[i]) ? 1u : 0u;
    return QL_FP4_CODE_OF_RANK[rank] | (v < 0.0 ? 8u : 0u);
}

// NF4/FP4 code of x under inv = 1/absmax. An infinite inverse (a zero or subnormal
// absmax) gives x * inv = NaN for x = +-0 and +-inf otherwise; decided on the bits, since
// a device that flushes denormals would see 0 * inf.
uint qlCodeBookCode(uint scheme, uint xBits, uint invBits) {
    float v;
    if (invBits == QL_INF_BITS) {
        bool zero = (xBits & 0x7fffffffu) == 0u;
        v = zero ? uintBitsToFloat(0x7fc00000u)
                 : uintBitsToFloat((xBits & 0x80000000u) | QL_INF_BITS);
    } else {
        precise float product = uintBitsToFloat(xBits) * uintBitsToFloat(invBits);
        v = product;
    }
    return scheme == QL_SCHEME_NF4 ? qlNf4Code(v) : qlFp4Code(v);
}

// One weight's stored code (shifted by the code offset for GPTQ/asym), as an int.
int qlGroupCode(uint scheme, uint bits, int qmax, QlGroupParams g, uint xBits) {
    if (scheme == QL_SCHEME_SYM_ABSMAX)
        return qlCode(uintBitsToFloat(xBits), uintBitsToFloat(g.invBits), qmax);
    if (scheme == QL_SCHEME_SYM_HALF_RANGE) {
        float lowest = float(1u << (bits - 1u));
        // roundEven(clamp(q, a, b)) = clamp(roundEven(q), a, b) for integers a, b.
        float q = uintBitsToFloat(qlQuotientToRound(xBits, g.scaleBits, g.invBits));
        return int(roundEven(clamp(q, -lowest, lowest - 1.0)));
    }
    if (scheme == QL_SCHEME_SYM_GPTQ || scheme == QL_SCHEME_ASYM) {
        float maxq = float((1u << bits) - 1u);
        int offset = int(1u << (bits - 1u));
        float v = g.zero; // a zero or infinite scale: x / scale is NaN or +-0, code = zero
        if (g.scaleBits != 0u && g.scaleBits != QL_INF_BITS) {
            uint q = qlQuotientToRound(xBits, g.scaleBits, g.invBits);
            if ((q & 0x7fffffffu) != QL_INF_BITS) { // the reference: not finite -> zero
                precise float shifted = roundEven(uintBitsToFloat(q)) + g.zero;
                v = shifted;
            }
        }
        return int(clamp(v, 0.0, maxq)) - offset;
    }
    return int(qlCodeBookCode(scheme, xBits, g.invBits));
}

#endif
