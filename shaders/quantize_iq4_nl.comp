#version 450
// GGUF IQ4_NL without an importance matrix (compiled with QL_IMPORTANCE:
// with one, llama.cpp's _impl encoder; the #ifdef blocks, kquant_kernel.h),
// byte-identical to llama.cpp's quantize_iq4_nl
// as engine/quant/iq4_nl_encode.cpp reproduces it: per block of 32, weights x^2, the
// inverse scale -127 / max and 15 more ((itry - 127) / max, itry = -7..7), each scored by
// the least-squares fit of the code book entries nearest to id * x (ggml's
// best_index_int8: bisection, the upper entry on a tie), the best scale stored as fp16 and
// the indices taken again with 1 / scale (the f32 scale, not the fp16 one, as ggml does).
//
// Layout: a workgroup of 32 invocations takes 32 blocks, one each; values are loaded into
// shared memory with coalesced reads, and the 576 bytes (144 words) of the 32 blocks are
// assembled there and stored as whole words. After the blocks, one word per workgroup: bit
// b set when block b must be encoded by the host instead (checked_float.glsl).
#include "checked_float.glsl"
#include "code_books.glsl"
#include "kquant_params.glsl"

layout(local_size_x = 32) in;
const uint VALUES = 32u;                             // per block
const uint BLOCKS = 32u;                             // per workgroup
const uint GROUP_VALUES = BLOCKS * VALUES;           // 1024
const uint GROUP_BYTES = BLOCKS * QL_BLOCK_IQ4_NL_BYTES; // 576
const int TRIES = 7;

layout(std430, set = 0, binding = 0) readonly buffer Src { uint srcBits[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { uint outWords[]; };


// One padding word after every 32 values: each invocation reads its own 32.
shared uint xs[GROUP_VALUES + GROUP_VALUES / VALUES];
shared uint stage[GROUP_BYTES / 4u];
shared bool outside[BLOCKS];

float codeValue(int i) { return uintBitsToFloat(QL_IQ4NL_VALUE_BITS[i]); }

// best_index_int8: the code book entry nearest to v, the upper one on an exact tie.
int nearestCode(float v) {
    if (v <= codeValue(0))
        return 0;
    if (v >= codeValue(15))
        return 15;
    int lo = 0, hi = 15;
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (v < codeValue(mid))
            hi = mid;
        else
            lo = mid;
    }
    return subChecked(v, codeValue(hi - 1)) < subChecked(codeValue(hi), v) ? hi - 1 : hi;
}

// The block's weights: x^2, or with an importance matrix imp * sqrt(sigma2 + x^2) where
// sigma2 = 2 / 32 * sum x^2 (quantize_row_iq4_nl_impl).
float w[VALUES];

// Weighted sums of q x and q q for the codes of inverse scale id.
void codeSums(float x[VALUES], float id, out float sumqx, out float sumq2) {
    sumqx = 0.0;
    sumq2 = 0.0;
    for (uint j = 0u; j < VALUES; ++j) {
        float q = codeValue(nearestCode(mulChecked(id, x[j])));
        float wq = mulChecked(w[j], q);
        sumqx = addChecked(sumqx, mulChecked(wq, x[j]));
        sumq2 = addChecked(sumq2, mulChecked(wq, q));
    }
}

// The least-squares scale of the best candidate grid (searchScale in iq4_nl_encode.cpp).
float searchScale(float x[VALUES], uint maxBits, uint amaxBits) {
    if (amaxBits < 0x26901d7du) // 1e-15f, ggml's GROUP_MAX_EPS
        return 0.0;
    float mx = uintBitsToFloat(maxBits);
    float first = divChecked(-mx, codeValue(0));
    float sumqx, sumq2;
    codeSums(x, divChecked(1.0, first), sumqx, sumq2);
    float d = sumq2 > 0.0 ? divChecked(sumqx, sumq2) : 0.0;
    float best = mulChecked(d, sumqx);
    for (int itry = -TRIES; itry <= TRIES; ++itry) {
        float id = divChecked(float(itry - 127), mx);
        codeSums(x, id, sumqx, sumq2);
        if (sumq2 > 0.0 && mulChecked(sumqx, sumqx) > mulChecked(best, sumq2)) {
            d = divChecked(sumqx, sumq2);
            best = mulChecked(d, sumqx);
        }
    }
    return d;
}

void putByte(uint offset, uint value) {
    atomicOr(stage[offset >> 2], (value & 0xffu) << (8u * (offset & 3u)));
}

void main() {
    uint tid = gl_LocalInvocationID.x;
    uint group = gl_WorkGroupID.x;
    uint first = group * GROUP_VALUES, total = p.count * VALUES;
    for (uint k = 0u; k < VALUES; ++k) {
        uint i = k * BLOCKS + tid;
        xs[i + i / VALUES] = first + i < total ? srcBits[first + i] : 0u;
    }
    for (uint w = tid; w < GROUP_BYTES / 4u; w += BLOCKS)
        stage[w] = 0u;
    barrier();

    float x[VALUES];
    uint amaxBits = 0u, maxBits = 0u;
    bool outsideBits = false;
    for (uint j = 0u; j < VALUES; ++j) {
        uint at = tid * VALUES + j;
        uint b = xs[at + at / VALUES];
        x[j] = uintBitsToFloat(b);
        outsideBits = outsideBits || qlOutsideInput(b);
        if (qlAbsBits(b) > amaxBits) { // the first of the largest magnitude
            amaxBits = qlAbsBits(b);
            maxBits = b;
        }
    }
#ifdef QL_IMPORTANCE
    float sigma2 = 0.0;
    for (uint j = 0u; j < VALUES; ++j)
        sigma2 = addChecked(sigma2, mulChecked(x[j], x[j]));
    sigma2 = mulChecked(sigma2, 2.0 / 32.0);
    uint block = group * BLOCKS + tid;
    for (uint j = 0u; j < VALUES; ++j) {
        float imp = block < p.count ? importanceOf(block, VALUES, j, outsideBits) : 0.0;
        float s2 = addChecked(sigma2, mulChecked(x[j], x[j]));
        w[j] = mulChecked(imp, uintBitsToFloat(qlSqrtBits(floatBitsToUint(s2))));
    }
#else
    for (uint j = 0u; j < VALUES; ++j)
        w[j] = mulChecked(x[j], x[j]);
#endif
    float d = searchScale(x, maxBits, amaxBits);
    float id = d != 0.0 ? divChecked(1.0, d) : 0.0;
    uint o = tid * QL_BLOCK_IQ4_NL_BYTES;
    uint dHalf = qlFloatToHalf(floatBitsToUint(d));
    putByte(o, dHalf);
    putByte(o + 1u, dHalf >> 8);
    for (uint j = 0u; j < 16u; ++j) {
        uint lo = uint(nearestCode(mulChecked(id, x[j])));
        uint hi = uint(nearestCode(mulChecked(id, x[j + 16u])));
        putByte(o + QL_BLOCK_IQ4_NL_OFFSET_qs + j, lo | (hi << 4));
    }
    outside[tid] = outsideBits || inexact;
    barrier();

    uint blocks = min(BLOCKS, p.count - group * BLOCKS);
    uint totalWords = (p.count * QL_BLOCK_IQ4_NL_BYTES + 3u) / 4u;
    for (uint w = tid; w < GROUP_BYTES / 4u; w += BLOCKS) {
        uint global = group * (GROUP_BYTES / 4u) + w;
        if (global < totalWords)
            outWords[p.outBase + global] = stage[w];
    }
    if (tid == 0u) {
        uint flags = 0u;
        for (uint b = 0u; b < blocks; ++b)
            flags |= outside[b] ? 1u << b : 0u;
        outWords[p.outBase + p.flagBase + group] = flags;
    }
}
