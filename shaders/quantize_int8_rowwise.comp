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
// The same buffer seen as 16-byte vectors, for rows that start 16-byte aligned.
layout(std430, set = 0, binding = 0) readonly buffer Src4 { uvec4 srcBits4[]; };
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

// Rows of a multiple of four weights (nearly every real matrix): one 16-byte load and
// one packed word per step.
void writeAlignedCodes(uint base, uint tid, float inv) {
    uint rowWords = gl_WorkGroupID.x * p.wordsPerRow;
    for (uint w = tid; w < p.wordsPerRow; w += WG) {
        uvec4 x = srcBits4[base / 4 + w];
        uint packed = 0u;
        for (uint k = 0; k < 4; ++k)
            packed |= (uint(qlCode(uintBitsToFloat(x[k]), inv, QL_INT8_QMAX)) & 0xffu) << (8 * k);
        codes[p.codeBase + rowWords + w] = packed;
    }
}

void writeCodes(uint base, uint tid, float inv) {
    uint rowWords = gl_WorkGroupID.x * p.wordsPerRow;
    for (uint w = tid; w < p.wordsPerRow; w += WG) {
        uint packed = 0u;
        for (uint k = 0; k < 4; ++k) {
            uint col = w * 4 + k;
            if (col < p.cols) {
                int code = qlCode(uintBitsToFloat(srcBits[base + col]), inv, QL_INT8_QMAX);
                packed |= (uint(code) & 0xffu) << (8 * k);
            }
        }
        codes[p.codeBase + rowWords + w] = packed;
    }
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
    if (p.cols % 4 == 0)
        writeAlignedCodes(base, tid, inv);
    else
        writeCodes(base, tid, inv);
}
