#version 450
#ifdef QL_COOPERATIVE // compiled twice: quantize_int8_rowwise_coop.spv has it (CMakeLists.txt)
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif
// Symmetric RTN quantization in groups along a row, for QuantFormat::Int8PerChannel
// (one group per row, qmax 127) and QuantFormat::Int4G128 (groups of 128, qmax 7; the
// last group of a row may be partial). The host picks both through push constants.
//
// One workgroup per row. Rows of several groups of at most 128 weights: one invocation
// per group (quantizeGroupAlone), or, in the QL_COOPERATIVE variant, one subgroup per
// group (quantizeGroupCooperative; the host picks the variant per device). Otherwise the workgroup walks the row's groups in order:
// the absmax is reduced in shared memory, one invocation derives scale and inverse with
// the exact arithmetic of formats.glsl, then every invocation writes packed codes.
//
// Codes are packed four to a uint32 (little-endian bytes), each row padded to whole
// words, so that no 8-bit storage feature is needed. The host unpacks them. Group
// boundaries fall on multiples of four columns (groupLen % 4 == 0, or one group per
// row), so no word mixes two groups. Scales are written as raw float bits, groupsPerRow
// per row.
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
    uint groupLen;    // weights per group: cols for per-channel, else a multiple of 4
    uint groupsPerRow; // ceil(cols / groupLen)
    int qmax;         // codes lie in [-qmax, qmax]
} p;

shared uint partial[WG];
shared float groupInverse;

// Absmax of columns [begin, end) of the row starting at `base`.
// Where the row and the range are whole 16-byte words (nearly every real matrix), one
// 16-byte load per step: a quarter of the load instructions, as in writeAlignedCodes.
uint groupAbsmaxBits(uint base, uint begin, uint end, uint tid) {
    uint m = 0u;
    if (p.cols % 4u == 0u && begin % 4u == 0u && end % 4u == 0u) { // uniform
        for (uint w = begin / 4u + tid; w < end / 4u; w += WG) {
            uvec4 x = srcBits4[base / 4u + w];
            m = max(m, max(max(qlAbsBits(x.x), qlAbsBits(x.y)), max(qlAbsBits(x.z), qlAbsBits(x.w))));
        }
    } else {
        for (uint i = begin + tid; i < end; i += WG)
            m = max(m, qlAbsBits(srcBits[base + i]));
    }
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
// one packed word per step. Words [w0, w1) of the row.
void writeAlignedCodes(uint base, uint w0, uint w1, uint tid, float inv) {
    uint rowWords = gl_WorkGroupID.x * p.wordsPerRow;
    for (uint w = w0 + tid; w < w1; w += WG) {
        uvec4 x = srcBits4[base / 4 + w];
        uint packed = 0u;
        for (uint k = 0; k < 4; ++k)
            packed |= (uint(qlCode(uintBitsToFloat(x[k]), inv, p.qmax)) & 0xffu) << (8 * k);
        codes[p.codeBase + rowWords + w] = packed;
    }
}

void writeCodes(uint base, uint w0, uint w1, uint tid, float inv) {
    uint rowWords = gl_WorkGroupID.x * p.wordsPerRow;
    for (uint w = w0 + tid; w < w1; w += WG) {
        uint packed = 0u;
        for (uint k = 0; k < 4; ++k) {
            uint col = w * 4 + k;
            if (col < p.cols) {
                int code = qlCode(uintBitsToFloat(srcBits[base + col]), inv, p.qmax);
                packed |= (uint(code) & 0xffu) << (8 * k);
            }
        }
        codes[p.codeBase + rowWords + w] = packed;
    }
}

// Small groups (at most WG weights, several per row): one invocation per group, absmax,
// scale and codes, with no barrier (as quantize_groups.comp). Walking them with the whole
// workgroup cost ten barriers per group of 32..128 values, which dominated on lavapipe.
void quantizeGroupAlone(uint row, uint base, uint group) {
    uint begin = group * p.groupLen;
    uint end = min(begin + p.groupLen, p.cols);
    uint absmax = 0u;
    for (uint i = begin; i < end; ++i)
        absmax = max(absmax, qlAbsBits(srcBits[base + i]));
    uint scale = qlScaleBits(absmax, p.qmax);
    scales[p.scaleBase + row * p.groupsPerRow + group] = scale;
    float inv = uintBitsToFloat(qlInverseBits(scale));
    uint rowWords = row * p.wordsPerRow;
    for (uint w = begin / 4u; w < (end + 3u) / 4u; ++w) {
        uint packed = 0u;
        for (uint k = 0u; k < 4u; ++k) {
            uint col = w * 4u + k;
            if (col < end)
                packed |= (uint(qlCode(uintBitsToFloat(srcBits[base + col]), inv, p.qmax)) &
                           0xffu) << (8u * k);
        }
        codes[p.codeBase + rowWords + w] = packed;
    }
}

#ifdef QL_COOPERATIVE
// Small groups, one subgroup each (the variant for GPUs: quantizeGroupAlone has every lane
// read its own group, so the lanes of one load touch addresses 128..512 bytes apart). Lane
// l takes the group's code words l, l + S, ... (S = gl_SubgroupSize, any size): each word
// is four consecutive floats, so consecutive lanes read consecutive 16 bytes and a
// subgroup of 32 reads a g128 group in one 512-byte load. subgroupMax reduces the absmax
// bit patterns (the same exact unsigned max as the other paths). Every lane then derives
// the same scale and inverse from the same value with the same integer arithmetic (one
// lane deriving them and broadcasting would cost a shuffle and save nothing: the lanes run
// in lockstep); lane 0 stores the scale and each lane its code words (coalesced stores).
// The second pass reads the group again, from cache.
uvec4 groupWord(uint base, uint w, uint end) {
    if (p.cols % 4u == 0u) // rows start 16-byte aligned, and so does every group
        return srcBits4[base / 4u + w];
    uvec4 x = uvec4(0u);
    for (uint k = 0u; k < 4u; ++k)
        if (w * 4u + k < end)
            x[k] = srcBits[base + w * 4u + k];
    return x; // the padding past `end` is +0: no effect on an absmax, its codes unused
}

void quantizeGroupCooperative(uint row, uint base, uint group) {
    uint lane = gl_SubgroupInvocationID;
    uint begin = group * p.groupLen;
    uint end = min(begin + p.groupLen, p.cols);
    uint w0 = begin / 4u, w1 = (end + 3u) / 4u;
    uint absmax = 0u;
    for (uint w = w0 + lane; w < w1; w += gl_SubgroupSize) {
        uvec4 x = groupWord(base, w, end);
        absmax = max(absmax, max(max(qlAbsBits(x.x), qlAbsBits(x.y)),
                                 max(qlAbsBits(x.z), qlAbsBits(x.w))));
    }
    absmax = subgroupMax(absmax);
    uint scale = qlScaleBits(absmax, p.qmax);
    if (lane == 0u)
        scales[p.scaleBase + row * p.groupsPerRow + group] = scale;
    float inv = uintBitsToFloat(qlInverseBits(scale));
    uint rowWords = row * p.wordsPerRow;
    for (uint w = w0 + lane; w < w1; w += gl_SubgroupSize) {
        uvec4 x = groupWord(base, w, end);
        uint packed = 0u;
        for (uint k = 0u; k < 4u; ++k)
            if (w * 4u + k < end)
                packed |= (uint(qlCode(uintBitsToFloat(x[k]), inv, p.qmax)) & 0xffu) << (8u * k);
        codes[p.codeBase + rowWords + w] = packed;
    }
}
#endif

void main() {
    uint row = gl_WorkGroupID.x;
    uint tid = gl_LocalInvocationID.x;
    if (row >= p.rows)
        return; // uniform per workgroup, so no barrier is skipped by part of it
    uint base = row * p.cols;
    if (p.groupsPerRow > 1u && p.groupLen <= WG) { // uniform too
#ifdef QL_COOPERATIVE
        // The loop bound is uniform in each subgroup, so every lane reaches subgroupMax.
        for (uint group = gl_SubgroupID; group < p.groupsPerRow; group += gl_NumSubgroups)
            quantizeGroupCooperative(row, base, group);
#else
        for (uint group = tid; group < p.groupsPerRow; group += WG)
            quantizeGroupAlone(row, base, group);
#endif
        return;
    }
    for (uint g = 0; g < p.groupsPerRow; ++g) {
        uint begin = g * p.groupLen;
        uint end = min(begin + p.groupLen, p.cols);
        uint absmax = groupAbsmaxBits(base, begin, end, tid);
        if (tid == 0) {
            uint scale = qlScaleBits(absmax, p.qmax);
            scales[p.scaleBase + row * p.groupsPerRow + g] = scale;
            groupInverse = uintBitsToFloat(qlInverseBits(scale));
        }
        barrier();
        float inv = groupInverse;
        uint w0 = begin / 4;
        uint w1 = (end + 3) / 4;
        if (p.cols % 4 == 0)
            writeAlignedCodes(base, w0, w1, tid, inv);
        else
            writeCodes(base, w0, w1, tid, inv);
        // The next group rewrites partial[] and groupInverse only after its reduction's
        // barriers, which every invocation reaches after these reads.
    }
}
