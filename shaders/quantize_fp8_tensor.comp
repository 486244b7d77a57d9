#version 450
// OCP FP8 (E4M3FN, E5M2) with one f32 scale for the whole tensor (fp8-e4m3-tensor,
// fp8-e5m2-tensor), code for code as the reference (storeTensorFp8Scale, then
// quantizeRowFp8Scaled in engine/quant): scale = tensor absmax / maxFinite, every code
// fp8(x / scale) as quantize_fp8_rowwise.comp computes it (fp8_encode.glsl).
//
// The tensor's absmax comes from tensor_stats.comp, reduced on the device over every chunk
// before this dispatch. One workgroup per row; the output layout is the per-row kernel's:
// word 0 of each row repeats the scale's bits (the stored format keeps it once), then the
// codes four per word.
#include "fp8_encode.glsl"

layout(local_size_x = 128) in;
const uint WG = 128;

layout(std430, set = 0, binding = 0) readonly buffer Src { uint srcBits[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { uint outWords[]; };
layout(std430, set = 0, binding = 2) readonly buffer Stats { uint stats[]; };

layout(push_constant) uniform Params {
    uint rows;      // rows in this dispatch (one workgroup each)
    uint cols;
    uint rowWords;  // 1 + ceil(cols / 4)
    uint outBase;   // first word of row 0 (guard words lie before it)
    uint kind;      // 0: E4M3FN, 1: E5M2
    uint statsBase; // tensor_stats.comp's words; the absmax is the third
} p;

void main() {
    uint row = gl_WorkGroupID.x;
    uint tid = gl_LocalInvocationID.x;
    if (row >= p.rows)
        return;
    Fp8 f = layoutOf(p.kind);
    uint scale = qlDivBits(stats[p.statsBase + 2u], f.maxFiniteBits);
    uint inverse = fp8InverseBits(scale);
    uint base = row * p.cols;
    uint rowStart = p.outBase + row * p.rowWords;
    if (tid == 0u)
        outWords[rowStart] = scale;
    uint words = (p.cols + 3u) / 4u;
    for (uint w = tid; w < words; w += WG) {
        uint packed = 0u;
        for (uint k = 0u; k < 4u; ++k) {
            uint col = w * 4u + k;
            if (col < p.cols)
                packed |= fp8Code(srcBits[base + col], scale, inverse, f) << (8u * k);
        }
        outWords[rowStart + 1u + w] = packed;
    }
}
