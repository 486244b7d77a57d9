// The workgroup layout and block assembly that the Q4_K/Q5_K shaders share
// (quantize_k4.comp: llama.cpp's search; quantize_q4_k_lsq.comp: q4_k-lsq's): a workgroup
// of 64 invocations takes 8 super-blocks, invocation 8 s + j sub-block j of super-block s.
// Values are loaded into shared memory with coalesced reads; each invocation leaves its
// sub-block's codes, 6-bit scale and min and whether it left the exact range in shared
// memory, invocation 8 s the super-block's fp16 d and dmin; storeBlocks then assembles the
// 8 blocks (144 or 176 bytes each, whole words), stores them with coalesced word stores,
// and after the blocks one word per workgroup: bit s set when super-block s must be
// encoded by the host instead. Needs kquant_params.glsl's push constants (p.count,
// p.outBase, p.flagBase, p.fiveBits).
#ifndef QL_K4_BLOCKS_GLSL
#define QL_K4_BLOCKS_GLSL

#include "ggml_blocks.glsl"

layout(local_size_x = 64) in;
const uint SUB = 32u;                       // values per sub-block
const uint SUBS = 8u;                       // sub-blocks per super-block
const uint SUPERS = 8u;                     // super-blocks per workgroup
const uint GROUP_VALUES = SUPERS * QL_QK_K; // 2048

layout(std430, set = 0, binding = 0) readonly buffer Src { uint srcBits[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { uint outWords[]; };

// One padding word after every 32 values, so that the invocations, each reading its own
// 32 consecutive values, spread over the shared-memory banks.
shared uint xs[GROUP_VALUES + GROUP_VALUES / SUB];
shared bool subOutside[SUPERS * SUBS];
shared uint subLs[SUPERS * SUBS];     // 6-bit scale
shared uint subLm[SUPERS * SUBS];     // 6-bit min
shared uint dBits[SUPERS];            // fp16 d | fp16 dmin << 16
shared uint codes[GROUP_VALUES / 4u]; // 4- or 5-bit codes, one byte each

void loadValues(uint group, uint tid) {
    uint first = group * GROUP_VALUES;
    uint total = p.count * QL_QK_K;
    for (uint k = 0u; k < GROUP_VALUES / 64u; ++k) {
        uint i = k * 64u + tid;
        xs[i + i / SUB] = first + i < total ? srcBits[first + i] : 0u;
    }
}

// The bits of value i of sub-block j of super-block `super` (after loadValues and a barrier).
uint valueBits(uint super, uint j, uint i) {
    uint at = super * QL_QK_K + j * SUB + i;
    return xs[at + at / SUB];
}

uint codeAt(uint super, uint v) {
    return (codes[super * 64u + (v >> 2)] >> (8u * (v & 3u))) & 0xffu;
}

// The packed scales and mins (packScaleMinK4): bytes 0-3 scale j plus the top bits of
// scale j + 4, bytes 4-7 min j plus the top bits of min j + 4, bytes 8-11 the low nibbles
// of scale and min j + 4.
uint scaleByte(uint super, uint k) {
    uint at = super * SUBS;
    if (k < 4u)
        return subLs[at + k] | ((subLs[at + k + 4u] >> 4) << 6);
    if (k < 8u)
        return subLm[at + k - 4u] | ((subLm[at + k] >> 4) << 6);
    return (subLs[at + k - 4u] & 0xfu) | ((subLm[at + k - 4u] & 0xfu) << 4);
}

// Byte `offset` of super-block `super`'s block, as storeQ4_K / quantizeRowQ5_K lay it.
uint blockByte(uint super, uint offset) {
    bool five = p.fiveBits != 0u;
    if (offset < QL_BLOCK_Q4_K_OFFSET_scales)
        return (dBits[super] >> (8u * offset)) & 0xffu;
    if (offset < QL_BLOCK_Q4_K_OFFSET_qs)
        return scaleByte(super, offset - QL_BLOCK_Q4_K_OFFSET_scales);
    if (five && offset < QL_BLOCK_Q5_K_OFFSET_qs) { // qh[l]: bit 2c, 2c + 1 of chunk c
        uint l = offset - QL_BLOCK_Q5_K_OFFSET_qh, bits = 0u;
        for (uint c = 0u; c < 4u; ++c)
            bits |= ((codeAt(super, 64u * c + l) >> 4) << (2u * c)) |
                    ((codeAt(super, 64u * c + l + 32u) >> 4) << (2u * c + 1u));
        return bits;
    }
    uint k = offset - (five ? QL_BLOCK_Q5_K_OFFSET_qs : QL_BLOCK_Q4_K_OFFSET_qs);
    uint c = k / 32u, l = k % 32u;
    return (codeAt(super, 64u * c + l) & 0xfu) | ((codeAt(super, 64u * c + l + 32u) & 0xfu) << 4);
}

// The workgroup's blocks and its flag word (after every invocation has filled codes,
// subLs, subLm, subOutside and dBits, and a barrier).
void storeBlocks(uint group, uint tid) {
    uint bytes = p.fiveBits != 0u ? QL_BLOCK_Q5_K_BYTES : QL_BLOCK_Q4_K_BYTES;
    uint groupWords = SUPERS * bytes / 4u;
    uint blocks = min(SUPERS, p.count - group * SUPERS);
    for (uint w = tid; w < blocks * bytes / 4u; w += 64u) {
        uint word = 0u;
        for (uint k = 0u; k < 4u; ++k) {
            uint byteIndex = 4u * w + k;
            word |= blockByte(byteIndex / bytes, byteIndex % bytes) << (8u * k);
        }
        outWords[p.outBase + group * groupWords + w] = word;
    }
    if (tid == 0u) {
        uint flags = 0u;
        for (uint s = 0u; s < blocks; ++s) {
            bool any = false;
            for (uint k = 0u; k < SUBS; ++k)
                any = any || subOutside[s * SUBS + k];
            flags |= any ? 1u << s : 0u;
        }
        outWords[p.outBase + p.flagBase + group] = flags;
    }
}

#endif
