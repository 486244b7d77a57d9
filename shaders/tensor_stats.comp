#version 450
// The range keys of a whole tensor (|min|, max, absmax as in group_quant.glsl), reduced on
// the device for the per-tensor formats: each workgroup reduces 4096 values in shared
// memory and merges its keys into `stats` with atomicMax. Keys are non-negative float bit
// patterns, so an unsigned max is the exact float max; the order of the merges does not
// matter. The host zeroes the three words once, then runs this over every chunk of the
// tensor before any chunk is quantized (quantize_groups.comp, quantize_fp8_tensor.comp).
#include "group_quant.glsl"

layout(local_size_x = 256) in;
const uint WG = 256u;
const uint PER_GROUP = WG * 16u;

layout(std430, set = 0, binding = 0) readonly buffer Src { uint srcBits[]; };
layout(std430, set = 0, binding = 1) coherent buffer Stats { uint stats[]; };

layout(push_constant) uniform Push {
    uint count;     // values in this chunk
    uint statsBase; // first of the three words
} p;

shared uint negKeys[WG];
shared uint maxKeys[WG];
shared uint absKeys[WG];

void main() {
    uint tid = gl_LocalInvocationID.x;
    uint first = gl_WorkGroupID.x * PER_GROUP;
    uint n = 0u, m = 0u, a = 0u;
    for (uint i = first + tid; i < min(first + PER_GROUP, p.count); i += WG) {
        uint x = srcBits[i];
        n = max(n, qlNegativeKey(x));
        m = max(m, qlPositiveKey(x));
        a = max(a, qlAbsBits(x));
    }
    negKeys[tid] = n;
    maxKeys[tid] = m;
    absKeys[tid] = a;
    barrier();
    for (uint stride = WG / 2u; stride > 0u; stride /= 2u) {
        if (tid < stride) {
            negKeys[tid] = max(negKeys[tid], negKeys[tid + stride]);
            maxKeys[tid] = max(maxKeys[tid], maxKeys[tid + stride]);
            absKeys[tid] = max(absKeys[tid], absKeys[tid + stride]);
        }
        barrier();
    }
    if (tid == 0u) {
        atomicMax(stats[p.statsBase], negKeys[0]);
        atomicMax(stats[p.statsBase + 1u], maxKeys[0]);
        atomicMax(stats[p.statsBase + 2u], absKeys[0]);
    }
}
