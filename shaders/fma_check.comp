#version 450
// Test-only: exact_fma.glsl's fused multiply-add (qlFmaBits) on f32 bit patterns, three
// input words (a, b, c) and two result words (the bits, 1 when `outside`) each, so that
// tests/conformance/fma_test.cpp can compare it bit for bit with the CPU's std::fma.
#include "exact_fma.glsl"

layout(local_size_x = 64) in;

layout(std430, set = 0, binding = 0) readonly buffer Inputs { uint inputs[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Results { uint results[]; };

layout(push_constant) uniform Params {
    uint count;
} p;

void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i >= p.count)
        return;
    bool outside;
    results[2u * i] = qlFmaBits(inputs[3u * i], inputs[3u * i + 1u], inputs[3u * i + 2u], outside);
    results[2u * i + 1u] = outside ? 1u : 0u;
}
