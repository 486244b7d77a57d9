// Float arithmetic that notes when it leaves the range where a Vulkan device must agree
// with IEEE (the CPU): Vulkan lets a device flush subnormal results and operands to zero
// and assume that no value is infinite. Each operation sets `inexact` when its result is
// subnormal, is zero from non-zero operands that do not cancel (a flushed result), or
// exceeds 1e38 (which covers any infinity). Until then every value is the CPU's, by
// induction: the operations are correctly rounded (`precise`, never fused) and no operand
// is subnormal or infinite. Divisions go through qlSignedDivBits and fused multiply-adds
// through qlFmaBits (integers, correctly rounded on any driver). The searched K-quant,
// IQ4_NL and q4_k-lsq shaders use these, and hand a block with `inexact` set to the host.
#ifndef QL_CHECKED_FLOAT_GLSL
#define QL_CHECKED_FLOAT_GLSL

#include "exact_fma.glsl"
#include "ggml_blocks.glsl"

const float MIN_NORMAL = 1.17549435e-38;
const float HUGE = 1.0e38; // and anything infinite, which a device may assume away

bool inexact = false; // this invocation left the range where it equals the CPU

float mulChecked(float a, float b) {
    precise float r = a * b;
    if ((r == 0.0 && a != 0.0 && b != 0.0) || (r != 0.0 && abs(r) < MIN_NORMAL) ||
        abs(r) > HUGE)
        inexact = true;
    return r;
}
float addChecked(float a, float b) {
    precise float r = a + b;
    if ((r == 0.0 && a != -b) || (r != 0.0 && abs(r) < MIN_NORMAL) || abs(r) > HUGE)
        inexact = true;
    return r;
}
float subChecked(float a, float b) { return addChecked(a, -b); }
float divChecked(float a, float b) {
    if (b == 0.0) { // the CPU would divide by zero: never in range
        inexact = true;
        return 0.0;
    }
    uint q = qlSignedDivBits(floatBitsToUint(a), floatBitsToUint(b));
    uint magnitude = q & 0x7fffffffu;
    if ((magnitude != 0u && magnitude < 0x00800000u) || magnitude >= 0x7f800000u)
        inexact = true;
    return uintBitsToFloat(q);
}

// fmaf(a, b, c), rounded once (exact_fma.glsl, in integers: GLSL's fma may round twice).
float fmaChecked(float a, float b, float c) {
    bool outside;
    uint bits = qlFmaBits(floatBitsToUint(a), floatBitsToUint(b), floatBitsToUint(c), outside);
    float r = uintBitsToFloat(bits);
    if (outside || abs(r) > HUGE)
        inexact = true;
    return r;
}

// Input bits the shaders do not take: not finite, subnormal, or of magnitude 2^20 or more
// (the searches' sums stay far below overflow under it).
bool qlOutsideInput(uint bits) {
    uint magnitude = bits & 0x7fffffffu;
    return magnitude >= 0x49800000u || (magnitude != 0u && magnitude < 0x00800000u);
}

#endif
