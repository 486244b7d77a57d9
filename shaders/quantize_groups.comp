#version 450
#ifdef QL_COOPERATIVE // compiled twice: quantize_groups_coop.spv has it (CMakeLists.txt)
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif
// The unpacked (QuantKind::Rtn) formats that quantize_int8_rowwise.comp does not take:
// compressed-tensors' half-range grid (int8-ct, int4-g128-ct), GPTQ's symmetric grid with
// zero point 2^(n-1) (int4-g128-gptq), the asymmetric min/max grids with zero points
// (int*-asym), bitsandbytes NF4/FP4 (blocks of 64), and every per-tensor INT-n grid.
// Codes, scales and zero points are bit for bit engine/quant/rtn_schemes.cpp's
// (group_quant.glsl has the arithmetic).
//
// One workgroup per row. Rows of several groups of at most 128 weights (g32/g64/g128,
// NF4/FP4's 64): one invocation per group, no barriers (quantizeGroupAlone), or, in the
// QL_COOPERATIVE variant, one subgroup per group (quantizeGroupCooperative; the host
// picks the variant per device). Otherwise
// (per channel) the workgroup walks the row's groups as quantize_int8_rowwise.comp does:
// a shared-memory reduction of the three range keys (|min|, max, absmax), one invocation
// derives the parameters, all invocations write packed codes. Per-tensor formats
// (perTensor = 1) skip the reduction and read the whole tensor's keys, which
// tensor_stats.comp reduced over every chunk before this dispatch.
//
// Outputs: codes four per uint32 (the int8 stored code's byte, little-endian), rows padded
// to whole words; scales and zero points as raw f32 bits, groupsPerRow per row, in one
// buffer (zeros after the scales, at zeroBase).
#include "group_quant.glsl"

layout(local_size_x = 128) in;
const uint WG = 128;

layout(std430, set = 0, binding = 0) readonly buffer Src { uint srcBits[]; };
// The same buffer seen as 16-byte vectors, for rows that start 16-byte aligned.
layout(std430, set = 0, binding = 0) readonly buffer Src4 { uvec4 srcBits4[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Codes { uint codes[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Params { uint params[]; };
// tensor_stats.comp's result: [statsBase + 0] |min|, [+ 1] max, [+ 2] absmax.
layout(std430, set = 0, binding = 3) readonly buffer Stats { uint stats[]; };

layout(push_constant) uniform Push {
    uint rows;         // rows in this dispatch (one workgroup each)
    uint cols;
    uint wordsPerRow;  // ceil(cols / 4)
    uint codeBase;     // first word of row 0 in `codes` (guard words lie before it)
    uint scaleBase;    // first scale word in `params`
    uint zeroBase;     // first zero-point word in `params`
    uint groupLen;     // weights per group: cols for per-channel, else a multiple of 4
    uint groupsPerRow; // ceil(cols / groupLen)
    uint scheme;       // QL_SCHEME_*
    uint bits;         // code width
    int qmax;          // symmetric absmax grid: codes in [-qmax, qmax]
    uint perTensor;    // 1: the keys come from `stats`
    uint statsBase;
    uint storeZeros;   // 1: the format stores zero points
} p;

shared uint negKeys[WG];
shared uint maxKeys[WG];
shared uint absKeys[WG];
shared uint groupScale;
shared uint groupInverse;
shared float groupZero;

// The three range keys of columns [begin, end) of the row starting at `base`, left in
// negKeys[0], maxKeys[0], absKeys[0]. Whole 16-byte words are read one load each where
// the row and the range allow it (a quarter of the load instructions).
void reduceGroupKeys(uint base, uint begin, uint end, uint tid) {
    uint n = 0u, m = 0u, a = 0u;
    if (p.cols % 4u == 0u && begin % 4u == 0u && end % 4u == 0u) { // uniform
        for (uint w = begin / 4u + tid; w < end / 4u; w += WG) {
            uvec4 x = srcBits4[base / 4u + w];
            for (uint k = 0u; k < 4u; ++k) {
                n = max(n, qlNegativeKey(x[k]));
                m = max(m, qlPositiveKey(x[k]));
                a = max(a, qlAbsBits(x[k]));
            }
        }
    } else {
        for (uint i = begin + tid; i < end; i += WG) {
            uint x = srcBits[base + i];
            n = max(n, qlNegativeKey(x));
            m = max(m, qlPositiveKey(x));
            a = max(a, qlAbsBits(x));
        }
    }
    negKeys[tid] = n;
    maxKeys[tid] = m;
    absKeys[tid] = a;
    barrier();
    for (uint stride = WG / 2; stride > 0; stride /= 2) {
        if (tid < stride) {
            negKeys[tid] = max(negKeys[tid], negKeys[tid + stride]);
            maxKeys[tid] = max(maxKeys[tid], maxKeys[tid + stride]);
            absKeys[tid] = max(absKeys[tid], absKeys[tid + stride]);
        }
        barrier();
    }
}

void writeCodes(uint base, uint w0, uint w1, uint tid, QlGroupParams g) {
    uint rowWords = gl_WorkGroupID.x * p.wordsPerRow;
    for (uint w = w0 + tid; w < w1; w += WG) {
        uint packed = 0u;
        for (uint k = 0u; k < 4u; ++k) {
            uint col = w * 4u + k;
            if (col < p.cols) {
                int code = qlGroupCode(p.scheme, p.bits, p.qmax, g, srcBits[base + col]);
                packed |= (uint(code) & 0xffu) << (8u * k);
            }
        }
        codes[p.codeBase + rowWords + w] = packed;
    }
}

// Small groups (at most WG weights, several per row): one invocation takes a whole group,
// range, parameters and codes, with no barrier. Walking such groups with the workgroup
// costs ten barriers per group for a few dozen values; on lavapipe (a CPU driver, where a
// barrier switches every invocation's context) that dominated, and on a GPU it idled most
// of the workgroup anyway. Group starts are multiples of four, so each invocation writes
// whole code words.
void quantizeGroupAlone(uint row, uint base, uint group) {
    uint begin = group * p.groupLen;
    uint end = min(begin + p.groupLen, p.cols);
    uint n = 0u, m = 0u, a = 0u;
    for (uint i = begin; i < end; ++i) {
        uint x = srcBits[base + i];
        n = max(n, qlNegativeKey(x));
        m = max(m, qlPositiveKey(x));
        a = max(a, qlAbsBits(x));
    }
    QlGroupParams g = qlGroupParams(p.scheme, p.bits, p.qmax, n, m, a);
    uint slot = row * p.groupsPerRow + group;
    params[p.scaleBase + slot] = g.scaleBits;
    if (p.storeZeros != 0u) {
        precise float stored = g.zero - float(1u << (p.bits - 1u)); // minus the offset
        params[p.zeroBase + slot] = floatBitsToUint(stored);
    }
    uint rowWords = row * p.wordsPerRow;
    for (uint w = begin / 4u; w < (end + 3u) / 4u; ++w) {
        uint packed = 0u;
        for (uint k = 0u; k < 4u; ++k) {
            uint col = w * 4u + k;
            if (col < end) {
                int code = qlGroupCode(p.scheme, p.bits, p.qmax, g, srcBits[base + col]);
                packed |= (uint(code) & 0xffu) << (8u * k);
            }
        }
        codes[p.codeBase + rowWords + w] = packed;
    }
}

#ifdef QL_COOPERATIVE
// Small groups, one subgroup each: the layout of quantize_int8_rowwise.comp's
// quantizeGroupCooperative (lane l takes the group's code words l, l + S, ..., four
// consecutive floats each, so a subgroup's loads are contiguous), with the three range
// keys reduced by subgroupMax. Every lane derives the same parameters from the same keys
// (qlGroupParams, integer arithmetic: identical on every lane); lane 0 stores the scale
// and zero point.
uvec4 groupWord(uint base, uint w, uint end) {
    if (p.cols % 4u == 0u) // rows start 16-byte aligned, and so does every group
        return srcBits4[base / 4u + w];
    uvec4 x = uvec4(0u);
    for (uint k = 0u; k < 4u; ++k)
        if (w * 4u + k < end)
            x[k] = srcBits[base + w * 4u + k];
    return x; // the padding past `end` is +0: no effect on the keys, its codes unused
}

void quantizeGroupCooperative(uint row, uint base, uint group) {
    uint lane = gl_SubgroupInvocationID;
    uint begin = group * p.groupLen;
    uint end = min(begin + p.groupLen, p.cols);
    uint w0 = begin / 4u, w1 = (end + 3u) / 4u;
    uint n = 0u, m = 0u, a = 0u;
    for (uint w = w0 + lane; w < w1; w += gl_SubgroupSize) {
        uvec4 x = groupWord(base, w, end);
        for (uint k = 0u; k < 4u; ++k) {
            n = max(n, qlNegativeKey(x[k]));
            m = max(m, qlPositiveKey(x[k]));
            a = max(a, qlAbsBits(x[k]));
        }
    }
    n = subgroupMax(n);
    m = subgroupMax(m);
    a = subgroupMax(a);
    QlGroupParams g = qlGroupParams(p.scheme, p.bits, p.qmax, n, m, a);
    uint slot = row * p.groupsPerRow + group;
    if (lane == 0u) {
        params[p.scaleBase + slot] = g.scaleBits;
        if (p.storeZeros != 0u) {
            precise float stored = g.zero - float(1u << (p.bits - 1u)); // minus the offset
            params[p.zeroBase + slot] = floatBitsToUint(stored);
        }
    }
    uint rowWords = row * p.wordsPerRow;
    for (uint w = w0 + lane; w < w1; w += gl_SubgroupSize) {
        uvec4 x = groupWord(base, w, end);
        uint packed = 0u;
        for (uint k = 0u; k < 4u; ++k)
            if (w * 4u + k < end) {
                int code = qlGroupCode(p.scheme, p.bits, p.qmax, g, x[k]);
                packed |= (uint(code) & 0xffu) << (8u * k);
            }
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
    if (p.perTensor == 0u && p.groupsPerRow > 1u && p.groupLen <= WG) { // uniform too
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
    for (uint group = 0u; group < p.groupsPerRow; ++group) {
        uint begin = group * p.groupLen;
        uint end = min(begin + p.groupLen, p.cols);
        if (p.perTensor == 0u)
            reduceGroupKeys(base, begin, end, tid);
        if (tid == 0u) {
            uint n = p.perTensor != 0u ? stats[p.statsBase] : negKeys[0];
            uint m = p.perTensor != 0u ? stats[p.statsBase + 1u] : maxKeys[0];
            uint a = p.perTensor != 0u ? stats[p.statsBase + 2u] : absKeys[0];
            QlGroupParams g = qlGroupParams(p.scheme, p.bits, p.qmax, n, m, a);
            uint slot = row * p.groupsPerRow + group;
            params[p.scaleBase + slot] = g.scaleBits;
            if (p.storeZeros != 0u) {
                precise float stored = g.zero - float(1u << (p.bits - 1u)); // minus the offset
                params[p.zeroBase + slot] = floatBitsToUint(stored);
            }
            groupScale = g.scaleBits;
            groupInverse = g.invBits;
            groupZero = g.zero;
        }
        barrier();
        QlGroupParams g = QlGroupParams(groupScale, groupInverse, groupZero);
        writeCodes(base, begin / 4u, (end + 3u) / 4u, tid, g);
        // The next group rewrites the shared values only after its reduction's barriers
        // (or, per tensor, after this barrier below), which every invocation reaches after
        // these reads.
        barrier();
    }
}
