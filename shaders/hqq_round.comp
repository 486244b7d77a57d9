#version 450
// HQQ's solver (engine/quant/hqq.h) on the device, bit for bit the reference's
// (hqq_solver.h: hqqStartGroup, hqqProximalRound, hqqCode). One invocation per group of
// groupLen values along a row (the last group of a row may be shorter); the host runs the
// rounds and HQQ's tensor-wide stop between them (engine/compute/vulkan/hqq_kernel.h).
// Three modes, one dispatch each:
//   MODE_START: the min/max start of every group (inverse step, zero, round_zero);
//   MODE_ROUND: one proximal round with the host's floor (hqqShrinkFloor of this round's
//               beta): the new zero, and the group's float sum of |x - r| for the host,
//               which adds the groups' sums in group order;
//   MODE_CODES: the codes of the final state, one byte each (code - offset), rows padded
//               to whole words, and each group's stored step (1 / invStep) and zero
//               (fp16, less the offset) as the reference stores them, the layout that
//               measure_error.comp's MODE_RTN_ZERO reads, so the error sums are reduced on
//               the device too.
//
// The host takes a group over, for this and every later round, when the device cannot give
// the reference's bits:
//  - a residual at or above the floor, where the Lp shrink acts and the reference calls
//    powf (GLSL's pow is only bounded). The floor (0.17 at HQQ's p = 0.7, beta = 10) is
//    above half a step of every group of an LLM's weights (sigma about 0.02) at 4 and 8
//    bits; groups of range above about 1 at 2 bits (0.17 * 2 * 3), about 2.4 at 3 bits
//    (0.17 * 2 * 7) take this exit;
//  - an input outside qlOutsideInput's range, or any operation that leaves the range where
//    Vulkan must agree with IEEE (checked_float.glsl: subnormal or flushed results, huge
//    values); divisions are qlSignedDivBits, correctly rounded on any driver.
// A group the host owns is marked in the state (owned = 1) and skipped; in MODE_ROUND the
// group that is taken over in that round leaves its state untouched and reports the error
// word OWNED_NOW, so that the host runs that round, from the same state, itself.
//
// Buffers: the weights (f32 bits; each dispatch reads them once); the state, three regions
// of `groups` words from stateBase (inverse steps, zeros, owned flags); the error words
// from errorBase; the codes from codeBase; the stored steps, then the stored zeros, from
// paramBase. Guard words lie around every region (the host checks them).
#include "checked_float.glsl"

// A workgroup takes 32 consecutive groups, one per invocation, which cover one contiguous
// run of values (a row's groups follow each other, and the next row follows the last).
// Compiled twice (shaders/CMakeLists.txt), for the device's GroupLayout (kernel_choice.h):
//  - per invocation (lavapipe's default): each invocation reads its own group from the
//    buffer, no barrier;
//  - QL_COOPERATIVE (hqq_round_coop, a GPU's default): the workgroup first loads its run
//    into shared memory with coalesced reads, one padding word after every 64 values so
//    that the invocations, each walking its own group in value order, fall on different
//    banks. The sums must stay in value order, so a group is never split across lanes.
layout(local_size_x = 32) in;
const uint WG = 32u;
#ifdef QL_COOPERATIVE
const uint MAX_GROUP = 64u; // groupLen at most this (HqqKernel::handles)
shared uint xs[WG * MAX_GROUP + WG];
#define VALUE_BITS(i) xs[(i) + (i) / 64u]
#else
#define VALUE_BITS(i) srcBits[i]
#endif

layout(std430, set = 0, binding = 0) readonly buffer Src {
    uint srcBits[];
};
layout(std430, set = 0, binding = 1) buffer State {
    uint state[];
};
layout(std430, set = 0, binding = 2) writeonly buffer Errors {
    uint errors[];
};
layout(std430, set = 0, binding = 3) writeonly buffer Codes {
    uint codes[];
};
layout(std430, set = 0, binding = 4) writeonly buffer Params {
    uint params[];
};

layout(push_constant) uniform Push {
    uint mode;
    uint groups; // groups in this dispatch (rows * groupsPerRow)
    uint cols;
    uint groupLen;     // a multiple of 4
    uint groupsPerRow; // ceil(cols / groupLen)
    uint wordsPerRow;  // ceil(cols / 4): the codes' row stride
    uint stateBase;
    uint errorBase;
    uint codeBase;
    uint paramBase;
    float maxq;     // 2^bits - 1
    float floor;    // MODE_ROUND: residuals below it are not shrunk
    uint roundZero; // MODE_START: round the zero to an integer (HQQ's round_zero)
    int codeOffset; // MODE_CODES: the stored byte is code - codeOffset
}
p;

const uint MODE_START = 0u;
const uint MODE_ROUND = 1u;
const uint MODE_CODES = 2u;
const uint OWNED_NOW = 0xffffffffu; // a NaN bit pattern: never a sum of |x - r|

// std::clamp(v, 0, maxq) as the reference writes it (v < lo ? lo : hi < v ? hi : v): -0
// passes through.
float clampCode(float v) {
    return v < 0.0 ? 0.0 : (p.maxq < v ? p.maxq : v);
}

// hqqCode: clamp(nearbyint(x * invStep + zero), 0, maxq), each operation rounded once.
float code(float x, float invStep, float zero) {
    return clampCode(roundEven(addChecked(mulChecked(x, invStep), zero)));
}

// hqqStartGroup: the first smallest and last largest value (std::minmax_element), inverse
// step min(maxq / (max - min), 2e4) (2e4 where max - min is +0 or -0, as the reference
// says), zero -min * step. False when an input is outside the exact range.
bool startGroup(uint base, uint n, out float invStep, out float zero) {
    bool inputsInRange = true;
    float lo = uintBitsToFloat(VALUE_BITS(base)), hi = lo;
    for (uint j = 0u; j < n; ++j) {
        uint bits = VALUE_BITS(base + j);
        inputsInRange = inputsInRange && !qlOutsideInput(bits);
        float x = uintBitsToFloat(bits);
        if (x < lo)
            lo = x;
        if (!(x < hi))
            hi = x;
    }
    float range = subChecked(hi, lo);
    invStep = range == 0.0 ? 2e4 : divChecked(p.maxq, range);
    if (2e4 < invStep)
        invStep = 2e4;
    zero = mulChecked(-lo, invStep);
    if (p.roundZero != 0u)
        zero = roundEven(zero);
    return inputsInRange;
}

// hqqProximalRound with no shrink (every residual below the floor): the new zero
// mean(q - x * invStep) and the sum of |x - r|, both in float in value order. False when a
// residual reaches the floor, where the reference shrinks it.
bool proximalRound(uint base, uint n, float invStep, inout float zero, out float absError) {
    bool unshrunk = true;
    float zeroSum = 0.0;
    absError = 0.0;
    for (uint j = 0u; j < n; ++j) {
        float x = uintBitsToFloat(VALUE_BITS(base + j));
        float q = code(x, invStep, zero);
        float r = divChecked(subChecked(q, zero), invStep);
        float a = abs(subChecked(x, r));
        unshrunk = unshrunk && (!(a > 0.0) || a < p.floor);
        zeroSum = addChecked(zeroSum, subChecked(q, mulChecked(x, invStep)));
        absError = addChecked(absError, a);
    }
    zero = divChecked(zeroSum, float(n));
    return unshrunk;
}

void storeCodes(uint base, uint row, uint col, uint n, float invStep, float zero) {
    uint word0 = p.codeBase + row * p.wordsPerRow + col / 4u;
    for (uint w = 0u; w < (n + 3u) / 4u; ++w) {
        uint packed = 0u;
        for (uint k = 0u; k < 4u && 4u * w + k < n; ++k) {
            int c = int(code(uintBitsToFloat(VALUE_BITS(base + 4u * w + k)), invStep, zero));
            packed |= (uint(c - p.codeOffset) & 0xffu) << (8u * k);
        }
        codes[word0 + w] = packed;
    }
}

// The first value of group g in the tensor chunk.
uint groupStart(uint g) {
    return (g / p.groupsPerRow) * p.cols + (g % p.groupsPerRow) * p.groupLen;
}

// The first value that VALUE_BITS(0) reads: under QL_COOPERATIVE, this workgroup's run,
// loaded into xs here; otherwise the chunk's first value.
uint loadRun() {
#ifdef QL_COOPERATIVE
    uint first = gl_WorkGroupID.x * WG;
    uint last = min(first + WG, p.groups) - 1u;
    uint lastCol = (last % p.groupsPerRow) * p.groupLen;
    uint begin = groupStart(first);
    uint end = groupStart(last) + min(p.groupLen, p.cols - lastCol);
    for (uint i = gl_LocalInvocationID.x; i < end - begin; i += WG)
        VALUE_BITS(i) = srcBits[begin + i];
    barrier();
    return begin;
#else
    return 0u;
#endif
}

// hqqStoredZero for the registered formats: fp16 of the zero clamped to +-65504
// (std::clamp's comparisons), less the code offset. A NaN zero never gets here: its
// group's inputs went to the host.
float storedZero(float zero) {
    float z = zero < -65504.0 ? -65504.0 : (65504.0 < zero ? 65504.0 : zero);
    return subChecked(qlHalfToFloat(qlFloatToHalf(floatBitsToUint(z))), float(p.codeOffset));
}

void main() {
    uint runBegin = loadRun();
    uint g = gl_GlobalInvocationID.x;
    if (g >= p.groups)
        return;
    uint row = g / p.groupsPerRow;
    uint col = (g % p.groupsPerRow) * p.groupLen;
    uint n = min(p.groupLen, p.cols - col);
    uint base = groupStart(g) - runBegin; // the group's first value for VALUE_BITS
    uint stepAt = p.stateBase + g, zeroAt = stepAt + p.groups, ownedAt = zeroAt + p.groups;

    if (p.mode == MODE_START) {
        float invStep, zero;
        bool inRange = startGroup(base, n, invStep, zero);
        state[stepAt] = floatBitsToUint(invStep);
        state[zeroAt] = floatBitsToUint(zero);
        state[ownedAt] = (inRange && !inexact) ? 0u : 1u;
        errors[p.errorBase + g] = 0u;
        return;
    }
    if (state[ownedAt] != 0u) { // the host's group: it fills in the error and the codes
        errors[p.errorBase + g] = 0u;
        return;
    }
    float invStep = uintBitsToFloat(state[stepAt]);
    float zero = uintBitsToFloat(state[zeroAt]);
    if (p.mode == MODE_ROUND) {
        float absError;
        bool unshrunk = proximalRound(base, n, invStep, zero, absError);
        if (!unshrunk || inexact) {
            state[ownedAt] = 1u;
            errors[p.errorBase + g] = OWNED_NOW;
            return;
        }
        state[zeroAt] = floatBitsToUint(zero);
        errors[p.errorBase + g] = floatBitsToUint(absError);
        return;
    }
    storeCodes(base, row, col, n, invStep, zero);
    params[p.paramBase + g] = qlSignedDivBits(floatBitsToUint(1.0), floatBitsToUint(invStep));
    params[p.paramBase + p.groups + g] = floatBitsToUint(storedZero(zero));
    errors[p.errorBase + g] = inexact ? OWNED_NOW : 0u; // MODE_CODES: the host codes it
}
