// a * b + c rounded once (IEEE fmaf, round to nearest even), in integers. Why: GLSL's fma
// (GLSL.std.450 Fma) may round the product and the sum separately even under `precise`,
// and Vulkan promises a single rounding only with VK_KHR_shader_fma, which most drivers
// (Debian 12's Mesa among them) lack. The q4_k-lsq encoder's codes come from fused
// multiply-adds on the CPU (std::fma, vfmadd), so its shader needs the fused result.
//
// How: the 48-bit product of the two mantissas (umulExtended) and c's mantissa are placed
// in a 64-bit frame whose top operand starts at bit 61; the other is shifted right with the
// bits it loses ORed into bit 0 (a sticky bit, at least 36 bits below the rounding point,
// so it decides ties and nothing else). The sum or difference is exact in the frame; one
// rounding to 24 bits gives IEEE's result. tests/conformance/fma_test.cpp holds it to
// std::fma bit for bit.
#ifndef QL_EXACT_FMA_GLSL
#define QL_EXACT_FMA_GLSL

// 64-bit unsigned integers as uvec2(low word, high word).
uvec2 qlShiftLeft64(uvec2 v, uint n) { // n < 64
    if (n == 0u)
        return v;
    if (n >= 32u)
        return uvec2(0u, v.x << (n - 32u));
    return uvec2(v.x << n, (v.y << n) | (v.x >> (32u - n)));
}

// v >> n with every bit shifted out ORed into bit 0.
uvec2 qlShiftRightSticky64(uvec2 v, uint n) {
    if (n == 0u)
        return v;
    if (n >= 64u)
        return uvec2((v.x | v.y) != 0u ? 1u : 0u, 0u);
    uvec2 r;
    uint lost;
    if (n >= 32u) {
        uint k = n - 32u;
        r = uvec2(k == 0u ? v.y : v.y >> k, 0u);
        lost = v.x | (k == 0u ? 0u : v.y << (32u - k));
    } else {
        r = uvec2((v.x >> n) | (v.y << (32u - n)), v.y >> n);
        lost = v.x << (32u - n);
    }
    r.x |= lost != 0u ? 1u : 0u;
    return r;
}

// v * 2^s (s < 64): left for s >= 0, right with the sticky bit for s < 0.
uvec2 qlScale64(uvec2 v, int s) {
    return s >= 0 ? qlShiftLeft64(v, uint(s)) : qlShiftRightSticky64(v, uint(-s));
}

uvec2 qlAdd64(uvec2 a, uvec2 b) {
    uint carry;
    uint lo = uaddCarry(a.x, b.x, carry);
    return uvec2(lo, a.y + b.y + carry);
}

uvec2 qlSub64(uvec2 a, uvec2 b) { // a >= b
    uint borrow;
    uint lo = usubBorrow(a.x, b.x, borrow);
    return uvec2(lo, a.y - b.y - borrow);
}

bool qlLess64(uvec2 a, uvec2 b) {
    return a.y != b.y ? a.y < b.y : a.x < b.x;
}

int qlTopBit64(uvec2 v) { // v != 0
    return v.y != 0u ? 32 + findMSB(v.y) : findMSB(v.x);
}

uint qlBit64(uvec2 v, int k) {
    return k >= 32 ? (v.y >> uint(k - 32)) & 1u : (v.x >> uint(k)) & 1u;
}

bool qlAnyBelow64(uvec2 v, int k) { // any of bits 0 .. k - 1 set
    if (k <= 0)
        return false;
    if (k < 32)
        return (v.x & ((1u << uint(k)) - 1u)) != 0u;
    if (v.x != 0u)
        return true;
    return k > 32 && (v.y & ((1u << uint(k - 32)) - 1u)) != 0u;
}

bool qlNormalOrZero(uint bits) {
    uint e = (bits >> 23) & 0xffu;
    return e != 0xffu && (e != 0u || (bits & 0x7fffffu) == 0u);
}

// S * 2^unit rounded to a float (S != 0, S < 2^63) with the given sign. `outside` when the
// result is subnormal or overflows: then the bits returned are not IEEE's (a nonzero
// value of the right sign).
uint qlRoundFrame(uvec2 S, int unit, uint sign, out bool outside) {
    int shift = qlTopBit64(S) - 23; // keep 24 bits
    uint kept;
    if (shift > 0) {
        kept = shift >= 32 ? S.y >> uint(shift - 32) : (S.x >> uint(shift)) | (S.y << uint(32 - shift));
        bool roundUp = qlBit64(S, shift - 1) != 0u &&
                       (qlAnyBelow64(S, shift - 1) || (kept & 1u) != 0u);
        kept += roundUp ? 1u : 0u;
        if (kept == 0x1000000u) {
            kept >>= 1;
            shift += 1;
        }
    } else {
        kept = S.x << uint(-shift);
    }
    int biased = unit + shift + 150; // kept * 2^(biased - 150), kept in [2^23, 2^24)
    outside = biased <= 0 || biased >= 255;
    if (biased <= 0)
        return sign | 1u;
    if (biased >= 255)
        return sign | 0x7f7fffffu;
    return sign | (uint(biased) << 23) | (kept & 0x7fffffu);
}

// fmaf(a, b, c) on bits. Operands must be finite and normal or zero; `outside` is set when
// one is not, or when the result is subnormal or overflows (what a Vulkan device may
// flush or assume away; the caller hands the work to the host).
uint qlFmaBits(uint aBits, uint bBits, uint cBits, out bool outside) {
    bool operandsOk = qlNormalOrZero(aBits) && qlNormalOrZero(bBits) && qlNormalOrZero(cBits);
    uint productSign = (aBits ^ bBits) & 0x80000000u;
    uint cSign = cBits & 0x80000000u;
    if ((aBits & 0x7fffffffu) == 0u || (bBits & 0x7fffffffu) == 0u) {
        outside = !operandsOk;
        // An exact signed zero plus c: c, or a zero that is -0 only when both are.
        return (cBits & 0x7fffffffu) != 0u ? cBits : productSign & cSign;
    }
    uint hi, lo;
    umulExtended((aBits & 0x7fffffu) | 0x800000u, (bBits & 0x7fffffu) | 0x800000u, hi, lo);
    int productUnit = int((aBits >> 23) & 0xffu) + int((bBits >> 23) & 0xffu) - 300;
    bool cZero = (cBits & 0x7fffffffu) == 0u;
    uint cMantissa = cZero ? 0u : (cBits & 0x7fffffu) | 0x800000u;
    int cUnit = int((cBits >> 23) & 0xffu) - 150;
    // The frame's unit puts the larger operand's top bit at bit 61 or below (the product
    // has 47 or 48 bits, c 24), so that the sum cannot carry out of 63 bits.
    int top = cZero ? productUnit + 47 : max(productUnit + 47, cUnit + 23);
    int unit = top - 61;
    uvec2 X = qlScale64(uvec2(lo, hi), productUnit - unit);
    uvec2 Y = qlScale64(uvec2(cMantissa, 0u), cUnit - unit);
    uvec2 S;
    uint sign = productSign;
    if (productSign == cSign) {
        S = qlAdd64(X, Y);
    } else if (qlLess64(X, Y)) {
        S = qlSub64(Y, X);
        sign = cSign;
    } else {
        S = qlSub64(X, Y);
    }
    if (S.x == 0u && S.y == 0u) { // exact cancellation: +0 when rounding to nearest
        outside = !operandsOk;
        return 0u;
    }
    bool rangeOutside;
    uint bits = qlRoundFrame(S, unit, sign, rangeOutside);
    outside = !operandsOk || rangeOutside;
    return bits;
}

#endif
