#version 450
// Test-only: runs formats.glsl's correctly rounded division on pairs of f32 bit patterns,
// so that tests/conformance/division_test.cpp can compare it, bit for bit, with the CPU's
// IEEE division. For each pair (a, b) it writes three words: the quotient by the proven
// estimate (with its fallback), the same quotient by long division only, and 1 where the fast
// path's estimate was proven right (0 where the long division had to run).
#include "formats.glsl"

layout(local_size_x = 64) in;

layout(std430, set = 0, binding = 0) readonly buffer Pairs { uint pairs[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Results { uint results[]; };

layout(push_constant) uniform Params {
    uint count; // pairs
} p;

void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i >= p.count)
        return;
    uint a = pairs[2u * i], b = pairs[2u * i + 1u];
    results[3u * i] = qlDivBitsBy(a, b, false);
    results[3u * i + 1u] = qlDivBitsBy(a, b, true);
    uint estimateProven = 1u;
    if (a != 0u) {
        int ea, eb;
        uint ma = qlMantissa(a, ea), mb = qlMantissa(b, eb);
        if (ma < mb)
            ma <<= 1;
        uint q;
        bool sticky;
        estimateProven = qlQuotientFromEstimate(ma, mb, q, sticky) ? 1u : 0u;
    }
    results[3u * i + 2u] = estimateProven;
}
