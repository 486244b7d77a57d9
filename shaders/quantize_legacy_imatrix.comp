#version 450
// GGUF Q4_0, Q4_1, Q5_0 and Q5_1 with an importance matrix, byte-identical to llama.cpp's
// quantize_row_q4_0_impl ... quantize_row_q5_1_impl as engine/quant/ggml_legacy_importance.cpp
// reproduces them: per block of 32, weights imp * sqrt(sigma2 + x^2) where sigma2 is the
// mean square of the whole row; Q4_0 / Q5_0 take ggml's weighted make_qx_quants (nmax 8 /
// 16, the first fit and 18 more inverse scales), Q4_1 / Q5_1 make_qkx3_quants (codes 0..15
// / 0..31, 37 candidates refitted on scale and min). The codes are the search's own; d
// (and m) are its scale (and min) as fp16.
//
// sigma2 is a serial float sum over the row (4096 or more values in the C order, the only
// way to get its bits): the host forms it with the reference's own function while the row
// is in its memory anyway, one multiply-add per weight over threads, and passes it after
// the importance vectors at binding 2 (rowValuesBase); the label says so.
//
// Layout: a workgroup of 32 invocations takes 32 blocks, one each, as quantize_iq4_nl.comp;
// the blocks are assembled in shared memory and stored as whole words (an odd count of
// 18- or 22-byte blocks ends mid-word); after them one flag word per workgroup (bit b:
// block b for the host; checked_float.glsl).
#define QL_IMPORTANCE 1
#define QL_SEARCH_VALUES 32
#include "checked_float.glsl"
#include "ggml_blocks.glsl"
#include "kquant_params.glsl"
#include "kquant_search.glsl"

layout(local_size_x = 32) in;
const uint VALUES = 32u;                  // per block
const uint BLOCKS = 32u;                  // per workgroup
const uint GROUP_VALUES = BLOCKS * VALUES; // 1024
const uint MAX_GROUP_BYTES = BLOCKS * QL_BLOCK_Q5_1_BYTES; // 768
// p.fiveBits: which format (engine/compute/vulkan/kquant_kernel.cpp).
const uint Q4_0 = 0u, Q4_1 = 1u, Q5_0 = 2u, Q5_1 = 3u;

layout(std430, set = 0, binding = 0) readonly buffer Src { uint srcBits[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { uint outWords[]; };

shared uint xs[GROUP_VALUES + GROUP_VALUES / VALUES];
shared uint stage[MAX_GROUP_BYTES / 4u];
shared bool outside[BLOCKS];

uint blockBytes() {
    uint kind = p.fiveBits;
    return kind == Q4_0 ? QL_BLOCK_Q4_0_BYTES
           : kind == Q4_1 ? QL_BLOCK_Q4_1_BYTES
           : kind == Q5_0 ? QL_BLOCK_Q5_0_BYTES
                          : QL_BLOCK_Q5_1_BYTES;
}

void putByte(uint offset, uint value) {
    atomicOr(stage[offset >> 2], (value & 0xffu) << (8u * (offset & 3u)));
}

void putHalf(uint offset, float v) {
    uint h = qlFloatToHalf(floatBitsToUint(v));
    putByte(offset, h);
    putByte(offset + 1u, h >> 8);
}

// The low nibbles of codes j and j + 16 in byte j of qs; the fifth bits as one
// little-endian word at qh (code j's at bit j).
void putCodes(uint o, uint qsOffset, int qhOffset, int L[VALUES]) {
    for (uint j = 0u; j < 16u; ++j)
        putByte(o + qsOffset + j, uint(L[j] & 0xf) | (uint(L[j + 16u] & 0xf) << 4));
    if (qhOffset < 0)
        return;
    uint bits = 0u;
    for (uint j = 0u; j < VALUES; ++j)
        bits |= uint((L[j] & 0x10) >> 4) << j;
    for (uint k = 0u; k < 4u; ++k)
        putByte(o + uint(qhOffset) + k, bits >> (8u * k));
}

void main() {
    uint tid = gl_LocalInvocationID.x;
    uint group = gl_WorkGroupID.x;
    uint first = group * GROUP_VALUES, total = p.count * VALUES;
    for (uint k = 0u; k < VALUES; ++k) {
        uint i = k * BLOCKS + tid;
        xs[i + i / VALUES] = first + i < total ? srcBits[first + i] : 0u;
    }
    for (uint w = tid; w < MAX_GROUP_BYTES / 4u; w += BLOCKS)
        stage[w] = 0u;
    barrier();

    uint block = group * BLOCKS + tid;
    bool live = block < p.count;
    float x[VALUES];
    bool outsideBits = false;
    for (uint j = 0u; j < VALUES; ++j) {
        uint at = tid * VALUES + j;
        uint b = xs[at + at / VALUES];
        x[j] = uintBitsToFloat(b);
        outsideBits = outsideBits || qlOutsideInput(b);
    }
    float sigma2 = 0.0;
    if (live) {
        uint sigmaBits = importanceBits[p.rowValuesBase + block / p.blocksPerRow];
        outsideBits = outsideBits || qlOutsideInput(sigmaBits);
        sigma2 = uintBitsToFloat(sigmaBits);
    }
    float w[VALUES];
    for (uint j = 0u; j < VALUES; ++j) {
        float imp = live ? importanceOf(block, VALUES, j, outsideBits) : 0.0;
        float s2 = addChecked(sigma2, mulChecked(x[j], x[j]));
        w[j] = mulChecked(imp, uintBitsToFloat(qlSqrtBits(floatBitsToUint(s2))));
    }

    uint kind = p.fiveBits;
    uint o = tid * blockBytes();
    int L[VALUES];
    if (kind == Q4_0 || kind == Q5_0) {
        float d = symmetricSearch(x, w, kind == Q4_0 ? 8 : 16, L);
        putHalf(o, d);
        putCodes(o, kind == Q4_0 ? QL_BLOCK_Q4_0_OFFSET_qs : QL_BLOCK_Q5_0_OFFSET_qs,
                 kind == Q4_0 ? -1 : int(QL_BLOCK_Q5_0_OFFSET_qh), L);
    } else {
        bool five = kind == Q5_1;
        float negMin;
        uint packed[QL_SEARCH_WORDS];
        float d = asymmetricSearch(x, w, AsymmetricGrid(five ? 31 : 15, 36, -0.9, 0.05, false, true),
                                   negMin, packed);
        for (uint j = 0u; j < VALUES; ++j)
            L[j] = int(codeOf(packed, j));
        putHalf(o, d);
        putHalf(o + (five ? QL_BLOCK_Q5_1_OFFSET_m : QL_BLOCK_Q4_1_OFFSET_m), -negMin);
        putCodes(o, five ? QL_BLOCK_Q5_1_OFFSET_qs : QL_BLOCK_Q4_1_OFFSET_qs,
                 five ? int(QL_BLOCK_Q5_1_OFFSET_qh) : -1, L);
    }
    outside[tid] = outsideBits || inexact;
    barrier();

    uint bytes = blockBytes();
    uint groupWords = BLOCKS * bytes / 4u;
    uint blocks = min(BLOCKS, p.count - group * BLOCKS);
    uint totalWords = (p.count * bytes + 3u) / 4u;
    for (uint wi = tid; wi < groupWords; wi += BLOCKS) {
        uint global = group * groupWords + wi;
        if (global < totalWords)
            outWords[p.outBase + global] = stage[wi];
    }
    if (tid == 0u) {
        uint flags = 0u;
        for (uint b = 0u; b < blocks; ++b)
            flags |= outside[b] ? 1u << b : 0u;
        outWords[p.outBase + p.flagBase + group] = flags;
    }
}
