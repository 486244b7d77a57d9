#version 450
// ggml's legacy block types (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1) and the F16 conversion,
// byte-identical to the C reference (engine/quant/ggml_legacy_quant.cpp). The mode comes
// as a push constant.
//
// Block types need whole blocks per row, so a chunk of rows is a flat run of blocks and
// rows play no part. A workgroup of 32 invocations takes 64 consecutive blocks (2048
// values): it loads them into shared memory with coalesced reads, each invocation then
// encodes two blocks exactly as the C loop does one (first maximum wins, the same
// divisions and conversions) into a shared output stage, and the workgroup writes the
// stage out with coalesced word stores. Two blocks make a whole number of 32-bit words
// for every type (68, 36, 40, 44, 48 bytes), so invocations never share a word and no 8-
// or 16-bit storage feature is needed. A last odd block ends in a partly filled word
// whose spare bytes are zero; the host copies the exact bytes. F16 mode: one invocation
// converts two values into one word.
//
// Exactness (see shaders/README.md): divisions in integers (qlDivBits), fp16 rounding in
// integers, max and min on ordered integer keys, products and sums `precise` (each a
// single correctly rounded OpFMul / OpFAdd), float-to-int conversions truncating as C's.
#include "ggml_blocks.glsl"

// 32 invocations keep the shared arrays at 10.6 KiB, under the 16 KiB every Vulkan
// device offers (maxComputeSharedMemorySize).
layout(local_size_x = 32) in;
const uint PAIRS = 32u;               // invocations per workgroup, two blocks each
const uint GROUP_BLOCKS = 2u * PAIRS; // 64 blocks, 2048 values
const uint STAGE_WORDS = 17u;         // two blocks of up to 34 bytes

layout(std430, set = 0, binding = 0) readonly buffer Src { uint srcBits[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { uint outWords[]; };

const uint MODE_Q8_0 = 0u, MODE_Q4_0 = 1u, MODE_Q4_1 = 2u, MODE_Q5_0 = 3u, MODE_Q5_1 = 4u,
           MODE_F16 = 5u;

layout(push_constant) uniform Params {
    uint count;   // blocks in this dispatch (F16: values)
    uint mode;    // MODE_*
    uint outBase; // first word of the output (guard words lie before it)
    uint pad;
} p;

// The workgroup's values, one padding word after every 32 so that the invocations,
// each reading its own blocks 66 words apart, spread over the shared-memory banks.
shared uint xs[GROUP_BLOCKS * 33u];
// The workgroup's output bytes, packed exactly as in memory.
shared uint stage[PAIRS * STAGE_WORDS];

// Offsets below are bytes into `stage`; an invocation writes only its own words.
void putByte(uint offset, uint value) {
    stage[offset >> 2] |= (value & 0xffu) << (8u * (offset & 3u));
}
void putHalf(uint offset, uint h) {
    putByte(offset, h);
    putByte(offset + 1u, h >> 8);
}
void putWord(uint offset, uint w) {
    putHalf(offset, w);
    putHalf(offset + 2u, w >> 16);
}

uint blockBytes(uint mode) {
    if (mode == MODE_Q8_0)
        return QL_BLOCK_Q8_0_BYTES;
    if (mode == MODE_Q4_0)
        return QL_BLOCK_Q4_0_BYTES;
    if (mode == MODE_Q4_1)
        return QL_BLOCK_Q4_1_BYTES;
    if (mode == MODE_Q5_0)
        return QL_BLOCK_Q5_0_BYTES;
    return QL_BLOCK_Q5_1_BYTES;
}

// Value i of the workgroup's 2048 (blocks start at multiples of 32).
uint bitsAt(uint i) { return xs[i + (i >> 5)]; }
float value(uint i) { return uintBitsToFloat(bitsAt(i)); }

void encodeQ8_0(uint base, uint o) {
    uint amax = 0u;
    for (uint j = 0u; j < 32u; ++j)
        amax = max(amax, qlAbsBits(bitsAt(base + j)));
    uint d = qlDivBits(amax, floatBitsToUint(127.0));
    uint idBits = qlGgmlInverseBits(d);
    float id = uintBitsToFloat(idBits);
    putHalf(o, qlFloatToHalf(d));
    for (uint j = 0u; j < 32u; ++j) {
        precise float v = value(base + j) * id;
        // An infinite id (d subnormal): the C cast of +-inf or NaN is undefined; x86-64
        // gives 0x80000000, whose low byte is 0. We write that 0.
        int q = idBits == QL_F32_INF ? 0 : qlRoundHalfAway(v);
        putByte(o + 2u + j, uint(q));
    }
}

// Q4_0 / Q5_0: d = (the value of largest magnitude, first on ties) / -half, codes
// min(top, (int)(x * id + half + 0.5)).
void encodeSymmetric(uint base, uint o, uint halfRange, uint top, bool fiveBits) {
    uint amax = 0u, maxBits = 0u;
    for (uint j = 0u; j < 32u; ++j) {
        uint b = bitsAt(base + j);
        if (qlAbsBits(b) > amax) {
            amax = qlAbsBits(b);
            maxBits = b;
        }
    }
    uint d = qlSignedDivBits(maxBits, floatBitsToUint(-float(halfRange)));
    uint idBits = qlGgmlInverseBits(d);
    bool overflow = (idBits & 0x7fffffffu) == QL_F32_INF;
    float id = uintBitsToFloat(idBits);
    float offset = float(halfRange) + 0.5;
    putHalf(o, qlFloatToHalf(d));
    uint qs = fiveBits ? o + 6u : o + 2u;
    uint qh = 0u;
    for (uint j = 0u; j < 16u; ++j) {
        precise float x0 = value(base + j) * id;
        precise float x1 = value(base + j + 16u) * id;
        precise float s0 = x0 + offset;
        precise float s1 = x1 + offset;
        uint q0 = overflow ? 0u : uint(min(int(top), int(s0)));
        uint q1 = overflow ? 0u : uint(min(int(top), int(s1)));
        putByte(qs + j, (q0 & 0xfu) | ((q1 & 0xfu) << 4));
        qh |= ((q0 >> 4) & 1u) << j;
        qh |= ((q1 >> 4) & 1u) << (j + 16u);
    }
    if (fiveBits)
        putWord(o + 2u, qh);
}

// Q4_1 / Q5_1: min and max (first occurrence wins, -0 == +0), d = (max - min) / top,
// codes (int)((x - min) * id + 0.5), clamped to top for Q4_1 only (as ggml).
void encodeAffine(uint base, uint o, uint top, bool fiveBits) {
    uint minBits = bitsAt(base), maxBits = bitsAt(base);
    uint minKey = qlOrderKey(minBits), maxKey = minKey;
    for (uint j = 1u; j < 32u; ++j) {
        uint b = bitsAt(base + j);
        uint k = qlOrderKey(b);
        if (k < minKey) {
            minKey = k;
            minBits = b;
        }
        if (k > maxKey) {
            maxKey = k;
            maxBits = b;
        }
    }
    float mn = uintBitsToFloat(minBits);
    precise float range = uintBitsToFloat(maxBits) - mn;
    uint d = qlSignedDivBits(floatBitsToUint(range), floatBitsToUint(float(top)));
    uint idBits = qlGgmlInverseBits(d);
    bool overflow = idBits == QL_F32_INF;
    float id = uintBitsToFloat(idBits);
    putHalf(o, qlFloatToHalf(d));
    putHalf(o + 2u, qlFloatToHalf(minBits));
    uint qs = fiveBits ? o + 8u : o + 4u;
    uint qh = 0u;
    for (uint j = 0u; j < 16u; ++j) {
        precise float x0 = (value(base + j) - mn) * id;
        precise float x1 = (value(base + j + 16u) - mn) * id;
        precise float s0 = x0 + 0.5;
        precise float s1 = x1 + 0.5;
        uint q0 = overflow ? 0u : (fiveBits ? uint(s0) : uint(min(int(top), int(s0))));
        uint q1 = overflow ? 0u : (fiveBits ? uint(s1) : uint(min(int(top), int(s1))));
        putByte(qs + j, (q0 & 0xfu) | ((q1 & 0xfu) << 4));
        qh |= ((q0 >> 4) & 1u) << j;
        qh |= ((q1 >> 4) & 1u) << (j + 16u);
    }
    if (fiveBits)
        putWord(o + 4u, qh);
}

// Block `block` of the workgroup, encoded at byte `o` of the stage.
void encodeBlock(uint block, uint o) {
    uint base = block * QL_BLOCK_VALUES;
    if (p.mode == MODE_Q8_0)
        encodeQ8_0(base, o);
    else if (p.mode == MODE_Q4_0)
        encodeSymmetric(base, o, 8u, 15u, false);
    else if (p.mode == MODE_Q5_0)
        encodeSymmetric(base, o, 16u, 31u, true);
    else if (p.mode == MODE_Q4_1)
        encodeAffine(base, o, 15u, false);
    else
        encodeAffine(base, o, 31u, true);
}

// Values 2 * id and 2 * id + 1 (if present) as one word.
void convertF16(uint id) {
    uint first = 2u * id;
    if (first >= p.count)
        return;
    uint lo = qlFloatToHalf(srcBits[first]);
    uint hi = first + 1u < p.count ? qlFloatToHalf(srcBits[first + 1u]) : 0u;
    outWords[p.outBase + id] = lo | (hi << 16);
}

void main() {
    if (p.mode == MODE_F16) {
        convertF16(gl_GlobalInvocationID.x);
        return;
    }
    uint tid = gl_LocalInvocationID.x;
    uint firstBlock = gl_WorkGroupID.x * GROUP_BLOCKS;
    if (firstBlock >= p.count)
        return; // uniform per workgroup
    uint blocks = min(GROUP_BLOCKS, p.count - firstBlock);
    uint values = blocks * QL_BLOCK_VALUES;
    uint srcBase = firstBlock * QL_BLOCK_VALUES;
    for (uint i = tid; i < values; i += PAIRS)
        xs[i + (i >> 5)] = srcBits[srcBase + i];
    for (uint w = tid; w < PAIRS * STAGE_WORDS; w += PAIRS)
        stage[w] = 0u;
    barrier();

    uint bytes = blockBytes(p.mode);
    uint pairBytes = 2u * bytes;
    uint mine = 2u * tid;
    if (mine < blocks)
        encodeBlock(mine, tid * pairBytes);
    if (mine + 1u < blocks)
        encodeBlock(mine + 1u, tid * pairBytes + bytes);
    barrier();

    uint words = (blocks * bytes + 3u) / 4u;
    uint outFirst = gl_WorkGroupID.x * PAIRS * (pairBytes / 4u);
    for (uint w = tid; w < words; w += PAIRS)
        outWords[p.outBase + outFirst + w] = stage[w];
}
