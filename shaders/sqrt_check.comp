#version 450
// Test-only: formats.glsl's correctly rounded square root (qlSqrtBits) on f32 bit
// patterns, one result word each, so that tests/conformance/sqrt_test.cpp can compare it
// bit for bit with the CPU's IEEE sqrt. Also built with the float estimate skewed by
// QL_TEST_SQRT_SKEW_ULPS (sqrt_check_skew), a device far beyond the spec's accuracy.
#include "formats.glsl"

layout(local_size_x = 64) in;

layout(std430, set = 0, binding = 0) readonly buffer Inputs { uint inputs[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Results { uint results[]; };

layout(push_constant) uniform Params {
    uint count;
} p;

void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i < p.count)
        results[i] = qlSqrtBits(inputs[i]);
}
