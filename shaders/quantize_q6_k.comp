#version 450
// GGUF Q6_K without an importance matrix (compiled with QL_IMPORTANCE:
// with one, llama.cpp's _impl encoder; the #ifdef blocks, kquant_kernel.h),
// byte-identical to llama.cpp's quantize_row_q6_K
// as engine/quant/kquant_encode_q6.cpp reproduces it: per sub-block of 16 values ggml's
// make_qx_quants (nmax 32, weights x^2, the first fit and 18 more inverse scales), then
// per super-block of 256 the int8 sub-block scales under one fp16 d and the 6-bit codes
// from x / (d * scale).
//
// Layout: a workgroup of 64 invocations takes 4 super-blocks; invocation 16 s + j runs
// the search of sub-block j of super-block s. The 1024 values are loaded into shared
// memory with coalesced reads, the 16 sub-block scales of each super-block meet in shared
// memory for the super-block's d, and the codes, int8 scales and d are assembled into the
// 840 bytes (210 words) of the 4 blocks, which the workgroup writes with coalesced word
// stores. After the blocks, one word per workgroup: bit s set when super-block s must be
// encoded by the host instead (below).
//
// Exactness: every division by qlSignedDivBits (integer arithmetic, correctly rounded on
// any driver), fp16 rounding and decoding in integers, ggml's nearest_int as ggml writes
// it (v + 1.5 * 2^23, the low mantissa bits), every product and sum `precise` (one
// correctly rounded OpFMul / OpFAdd each, in the C code's order), maxima on bit patterns.
// What Vulkan does not promise is the handling of subnormal, infinite and NaN values
// (a device may flush denormals and may assume no Inf/NaN). A super-block is flagged for
// the host when any value is not finite or a sub-block's largest magnitude A is outside
// [2^-22, 2^18) (A < 1e-15 is ggml's all-zero group, exact here). Inside that range every
// product and sum of the search is a normal float or an exact zero: a code l != 0 needs
// |x| >= A / 66, so w x l and w l l are at least (A / 66)^3 (normal for A >= 2^-22),
// sum(w x l)^2 >= (31 A^3)^2 is normal, and sum(w x l)^2 <= (16 * 32 A^3)^2 < 2^128 for
// A < 2^18. Real weights lie far inside it; the conformance suite covers both sides.
#include "ggml_blocks.glsl"
#ifdef QL_IMPORTANCE
#include "checked_float.glsl"
#endif
#include "kquant_params.glsl"

layout(local_size_x = 64) in;
const uint SUB = 16u;                                       // values per sub-block
const uint SUBS = 16u;                                      // sub-blocks per super-block
const uint SUPERS = 4u;                                     // super-blocks per workgroup
const uint GROUP_VALUES = SUPERS * QL_QK_K;                 // 1024
const uint GROUP_WORDS = SUPERS * QL_BLOCK_Q6_K_BYTES / 4u; // 210
const int NMAX = 32;

layout(std430, set = 0, binding = 0) readonly buffer Src { uint srcBits[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { uint outWords[]; };


// The values, one padding word after every 16 so that the invocations, each reading its
// own 16 consecutive values, spread over the shared-memory banks.
shared uint xs[GROUP_VALUES + GROUP_VALUES / SUB];
shared uint subScaleBits[SUPERS * SUBS];
shared bool subOutside[SUPERS * SUBS];
shared uint codes[GROUP_VALUES / 4u]; // 6-bit codes (0..63), one byte each
shared uint scaleBytes[SUPERS * SUBS];
shared uint dHalf[SUPERS];
shared bool outside[SUPERS];

const uint EPS_BITS = 0x26901d7du;   // 1e-15f, ggml's GROUP_MAX_EPS
const uint LOW_BITS = 0x34800000u;   // 2^-22
const uint HIGH_BITS = 0x48800000u;  // 2^18
const uint EXPONENT_MASK = 0x7f800000u;

float divide(float a, float b) {
    return uintBitsToFloat(qlSignedDivBits(floatBitsToUint(a), floatBitsToUint(b)));
}

// -(nmax + 0.1 * is) / max, in the C expression's order.
float candidateInverse(float maxValue, int is) {
    precise float step = 0.1 * float(is);
    precise float top = float(NMAX) + step;
    return divide(-top, maxValue);
}

int searchCode(float x, float iscale) {
    precise float v = iscale * x;
    return clamp(qlNearestInt(v), -NMAX, NMAX - 1);
}

#ifdef QL_IMPORTANCE
// With an importance matrix ggml weights each value by its importance alone. The static
// range above no longer bounds the sums (a weight may be anything finite), so every
// product, sum and quotient of the search is checked (checked_float.glsl) and a
// sub-block that leaves the exact range goes to the host.
float w[SUB];
float fitMul(float a, float b) { return mulChecked(a, b); }
float fitAdd(float a, float b) { return addChecked(a, b); }
float fitDiv(float a, float b) { return divChecked(a, b); }
float weightOf(float xi, uint i) { return w[i]; }
#else
float fitMul(float a, float b) { precise float r = a * b; return r; }
float fitAdd(float a, float b) { precise float r = a + b; return r; }
float fitDiv(float a, float b) { return divide(a, b); }
float weightOf(float xi, uint i) { precise float r = xi * xi; return r; }
#endif

// make_qx_quants' sums for one inverse scale: sum w x l and sum w l l (w = x^2 without
// importance).
void sums(float x[SUB], float iscale, out float sumlx, out float suml2) {
    float slx = 0.0, sl2 = 0.0;
    for (uint i = 0u; i < SUB; ++i) {
        float l = float(searchCode(x[i], iscale));
        float wi = weightOf(x[i], i);
        slx = fitAdd(slx, fitMul(fitMul(wi, x[i]), l));
        sl2 = fitAdd(sl2, fitMul(fitMul(wi, l), l));
    }
    sumlx = slx;
    suml2 = sl2;
}

// make_qx_quants (rmse_type 1): the sub-block's scale and the inverse scale of its codes.
// maxBits is the value of largest magnitude (first on ties), amaxBits its magnitude.
float searchScale(float x[SUB], uint maxBits, uint amaxBits, out float bestInverse) {
    bestInverse = 0.0;
    if (amaxBits < EPS_BITS)
        return 0.0;
    float maxValue = uintBitsToFloat(maxBits);
    float iscale = divide(-float(NMAX), maxValue);
    bestInverse = iscale;
    float sumlx, suml2;
    sums(x, iscale, sumlx, suml2);
    float scale = suml2 != 0.0 ? fitDiv(sumlx, suml2) : 0.0;
    float best = fitMul(scale, sumlx);
    for (int is = -9; is <= 9; ++is) {
        if (is == 0)
            continue;
        iscale = candidateInverse(maxValue, is);
        sums(x, iscale, sumlx, suml2);
        if (suml2 > 0.0 && fitMul(sumlx, sumlx) > fitMul(best, suml2)) {
            bestInverse = iscale;
            scale = fitDiv(sumlx, suml2);
            best = fitMul(scale, sumlx);
        }
    }
    return scale;
}

uint codeAt(uint super, uint v) {
    return (codes[super * 64u + (v >> 2)] >> (8u * (v & 3u))) & 0xffu;
}

// Byte `offset` of super-block `super`'s block, as packQ6 (kquant_encode_q6.cpp) lays it.
uint blockByte(uint super, uint offset) {
    if (offset < QL_BLOCK_Q6_K_OFFSET_qh) { // ql: values l and l + 64 (l + 32 and l + 96)
        uint part = offset / 64u, k = offset % 64u;
        uint v = part * 128u + (k / 32u) * 32u + k % 32u;
        return (codeAt(super, v) & 0xfu) | ((codeAt(super, v + 64u) & 0xfu) << 4);
    }
    if (offset < QL_BLOCK_Q6_K_OFFSET_scales) { // qh: the high bits of l, l+32, l+64, l+96
        uint k = offset - QL_BLOCK_Q6_K_OFFSET_qh;
        uint v = (k / 32u) * 128u + k % 32u;
        return (codeAt(super, v) >> 4) | ((codeAt(super, v + 32u) >> 4) << 2) |
               ((codeAt(super, v + 64u) >> 4) << 4) | ((codeAt(super, v + 96u) >> 4) << 6);
    }
    if (offset < QL_BLOCK_Q6_K_OFFSET_d)
        return scaleBytes[super * SUBS + offset - QL_BLOCK_Q6_K_OFFSET_scales];
    return (dHalf[super] >> (8u * (offset - QL_BLOCK_Q6_K_OFFSET_d))) & 0xffu;
}

void loadValues(uint group, uint tid) {
    uint first = group * GROUP_VALUES;
    uint total = p.count * QL_QK_K;
    for (uint k = 0u; k < GROUP_VALUES / 64u; ++k) {
        uint i = k * 64u + tid;
        xs[i + i / SUB] = first + i < total ? srcBits[first + i] : 0u;
    }
}

// Super-block `super`'s d and whether it is all zeros, from its 16 sub-block scales.
float superScale(uint super, out bool zero) {
    uint maxAbs = 0u, maxBits = 0u;
    for (uint j = 0u; j < SUBS; ++j) {
        uint b = subScaleBits[super * SUBS + j];
        if ((b & 0x7fffffffu) > maxAbs) {
            maxAbs = b & 0x7fffffffu;
            maxBits = b;
        }
    }
    zero = maxAbs < EPS_BITS;
    return uintBitsToFloat(maxBits);
}

void main() {
    uint tid = gl_LocalInvocationID.x;
    uint group = gl_WorkGroupID.x;
    uint super = tid / SUBS, j = tid % SUBS;
    loadValues(group, tid);
    barrier();

    // The sub-block: its values, the value of largest magnitude, whether it is in range.
    float x[SUB];
    uint amaxBits = 0u, maxBits = 0u;
    bool notFinite = false;
    for (uint i = 0u; i < SUB; ++i) {
        uint at = super * QL_QK_K + j * SUB + i;
        uint b = xs[at + at / SUB];
        x[i] = uintBitsToFloat(b);
        notFinite = notFinite || (b & EXPONENT_MASK) == EXPONENT_MASK;
        if (qlAbsBits(b) > amaxBits) {
            amaxBits = qlAbsBits(b);
            maxBits = b;
        }
    }
    bool weightOutside = false;
#ifdef QL_IMPORTANCE
    uint block = group * SUPERS + super;
    for (uint i = 0u; i < SUB; ++i)
        w[i] = block < p.count ? importanceOf(block, QL_QK_K, j * SUB + i, weightOutside) : 0.0;
#endif
    float iscale;
    float scale = searchScale(x, maxBits, amaxBits, iscale);
#ifdef QL_IMPORTANCE
    weightOutside = weightOutside || inexact;
#endif
    subScaleBits[tid] = floatBitsToUint(scale);
    subOutside[tid] = notFinite || weightOutside || amaxBits >= HIGH_BITS ||
                      (amaxBits >= EPS_BITS && amaxBits < LOW_BITS);
    barrier();

    // The super-block's d and this sub-block's int8 scale and codes.
    bool zero;
    float maxScale = superScale(super, zero);
    uint codeWords[4] = uint[4](0u, 0u, 0u, 0u);
    uint scaleByte = 0u, dBits = 0u;
    if (!zero) {
        float superInverse = divide(-128.0, maxScale);
        dBits = qlFloatToHalf(qlSignedDivBits(floatBitsToUint(1.0), floatBitsToUint(superInverse)));
        precise float scaled = superInverse * scale;
        int q = min(127, qlNearestInt(scaled));
        scaleByte = uint(q) & 0xffu;
        precise float d = qlHalfToFloat(dBits) * float(q);
        for (uint i = 0u; i < SUB; ++i) {
            // A sub-block whose d is 0 keeps its search codes, as the C loop skips it (an
            // all-zero sub-block's are 0, not the zero code 32).
            uint code = amaxBits < EPS_BITS ? 0u
                        : d == 0.0 ? uint(NMAX + searchCode(x[i], iscale))
                                   : uint(clamp(qlNearestInt(divide(x[i], d)), -NMAX, NMAX - 1) + NMAX);
            codeWords[i / 4u] |= code << (8u * (i % 4u));
        }
    }
    for (uint k = 0u; k < 4u; ++k)
        codes[super * 64u + j * 4u + k] = codeWords[k];
    scaleBytes[tid] = scaleByte;
    if (j == 0u) {
        dHalf[super] = dBits;
        bool any = false;
        for (uint s = 0u; s < SUBS; ++s)
            any = any || subOutside[super * SUBS + s];
        outside[super] = any;
    }
    barrier();

    uint blocks = min(SUPERS, p.count - group * SUPERS);
    uint totalWords = (p.count * QL_BLOCK_Q6_K_BYTES + 3u) / 4u;
    for (uint w = tid; w < GROUP_WORDS; w += 64u) {
        uint global = group * GROUP_WORDS + w;
        if (global >= totalWords)
            break;
        uint word = 0u;
        for (uint k = 0u; k < 4u; ++k) {
            uint byteIndex = 4u * w + k;
            uint s = byteIndex / QL_BLOCK_Q6_K_BYTES;
            if (s < blocks)
                word |= blockByte(s, byteIndex % QL_BLOCK_Q6_K_BYTES) << (8u * k);
        }
        outWords[p.outBase + global] = word;
    }
    if (tid == 0u) {
        uint flags = 0u;
        for (uint s = 0u; s < blocks; ++s)
            flags |= outside[s] ? 1u << s : 0u;
        outWords[p.outBase + p.flagBase + group] = flags;
    }
}
