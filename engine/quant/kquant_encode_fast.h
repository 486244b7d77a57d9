#pragma once
// Entry points of the vectorised Q4_K search, one namespace per instruction set. Each
// takes W consecutive sub-blocks of 32 (kLanes: 8 for AVX2, 16 for AVX-512) and writes
// W scales, W negated mins and 32 * W codes (transposed: Lt[i * W + k]), bit for bit
// what the scalar search writes; requantizeQ4K then writes the final codes in order.
#include <cstdint>

namespace ql::kquant {
namespace avx2 {
constexpr int kLanes = 8;
void searchQ4K(const float* x, float* scales, float* negMins, uint8_t* Lt);
void requantizeQ4K(const float* x, const float* d, const float* dm, const uint8_t* Lt, uint8_t* L);
} // namespace avx2
namespace avx512 {
constexpr int kLanes = 16;
void searchQ4K(const float* x, float* scales, float* negMins, uint8_t* Lt);
void requantizeQ4K(const float* x, const float* d, const float* dm, const uint8_t* Lt, uint8_t* L);
} // namespace avx512
} // namespace ql::kquant
