#pragma once
// The roundings llama.cpp's CPU backend applies on the way into a matrix product, so
// that our float GEMMs see the same operands: ggml converts the activations to the
// weight's "vec_dot type" (F16 for F16 weights, Q8_0 blocks for Q8_0/Q4_0/Q5_0, ...)
// and keeps the KV cache in F16. Without this a Q8_0 model's KL divergence comes out
// at about half of llama.cpp's, because half of its error is in the activations.
#include <bit>
#include <cstdint>
#include <limits>
#include <span>

namespace ql {

// How an activation row is rounded before it meets a weight of some dtype.
enum class ActivationRounding { None, F16, Bf16, Q8Blocks, Q8KBlocks };

// x rounded to the nearest IEEE half (ties to even), returned as a float. Equal to
// halfToFloat(floatToHalf(x)) for every finite x (tested), but fast enough to apply to
// every attention probability.
inline float roundToHalf(float x) {
    const float ax = x < 0 ? -x : x;
    if (ax < 6.103515625e-05f) {
        // Subnormal halves are multiples of 2^-24: adding 0.5 (2^-1) leaves exactly 24
        // bits of fraction below it, so the float addition rounds to that grid.
        const float r = (ax + 0.5f) - 0.5f;
        return x < 0 ? -r : r;
    }
    if (ax >= 65520.0f)
        return x < 0 ? -std::numeric_limits<float>::infinity()
                     : std::numeric_limits<float>::infinity();
    uint32_t bits = std::bit_cast<uint32_t>(x);
    bits += 0xfffu + ((bits >> 13) & 1u);
    bits &= ~0x1fffu;
    return std::bit_cast<float>(bits);
}

inline float roundToBf16(float x) {
    uint32_t bits = std::bit_cast<uint32_t>(x);
    if ((bits & 0x7fffffffu) > 0x7f800000u) // NaN stays NaN
        return x;
    bits += 0x7fffu + ((bits >> 16) & 1u);
    bits &= 0xffff0000u;
    return std::bit_cast<float>(bits);
}

// Rounds a row in place. Q8Blocks: blocks of 32 scaled by amax/127 (scale kept as a
// half, values rounded to nearest with ties to even), as ggml's quantize_row_q8_0.
// Q8KBlocks: blocks of 256 with a float scale from the signed extreme, as
// quantize_row_q8_K (the activation type of the K-quants).
void roundActivations(std::span<float> row, ActivationRounding mode);

} // namespace ql
