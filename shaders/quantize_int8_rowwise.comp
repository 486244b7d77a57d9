#version 450
// INT8 per-channel (QuantFormat::Int8PerChannel): one workgroup per row. The row's
// absmax is reduced in shared memory, one invocation derives scale and inverse with the
// exact arithmetic of formats.glsl, then every invocation writes packed codes.
//
// Codes are packed four to a uint32 (little-endian bytes), each row padded to whole
// words, so that no 8-bit storage feature is needed. The host unpacks them.
// Scales are written as raw float bits.
#include "formats.glsl"

layout(local_size_x = 128) in;
const uint WG = 128;

layout(std430, set = 0, binding = 0) readonly buffer Src { uint srcBits[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Codes { uint codes[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Scales { uint scales[]; };

layout(push_constant) uniform Params {
    uint rows;        // rows in this dispatch (one workgroup each)
    uint cols;
    uint wordsPerRow; // ceil(cols / 4)
    uint codeBase;    // first word of row 0 in `codes` (guard words lie before it)
    uint scaleBase;   // first word of row 0 in `scales`
} p;

shared uint partial[WG];
shared float rowInverse;

uint rowAbsmaxBits(uint base, uint tid) {
    uint m = 0u;
    for (uint i = tid; i < p.cols; i += WG)
        m = max(m, qlAbsBits(srcBits[base + i]));
    partial[tid] = m;
    barrier();
    for (uint stride = WG / 2; stride > 0; stride /= 2) {
        if (tid < stride)
            partial[tid] = max(partial[tid], partial[tid + stride]);
        barrier();
    }
    return partial[0];
}

void main() {
    uint row = gl_WorkGroupID.x;
    uint tid = gl_LocalInvocationID.x;
    if (row >= p.rows)
        return; // uniform per workgroup, so no barrier is skipped by part of it
    uint base = row * p.cols;
    uint absmax = rowAbsmaxBits(base, tid);
    if (tid == 0) {
        uint scale = qlScaleBits(absmax, QL_INT8_QMAX);
        scales[p.scaleBase + row] = scale;
        rowInverse = uintBitsToFloat(qlInverseBits(scale));
    }
    barrier();
    float inv = rowInverse;
    for (uint w = tid; w < p.wordsPerRow; w += WG) {
        uint packed = 0u;
        for (uint k = 0; k < 4; ++k) {
            uint col = w * 4 + k;
            if (col < p.cols) {
                int code = qlCode(uintBitsToFloat(srcBits[base + col]), inv, QL_INT8_QMAX);
                packed |= (uint(code) & 0xffu) << (8 * k);
            }
        }
        codes[p.codeBase + row * p.wordsPerRow + w] = packed;
    }
}
