#pragma once
// Entry points of the vectorised Q4_K search, one namespace per instruction set. Each
// takes W consecutive sub-blocks of 32 (W = 8 for AVX2, 16 for AVX-512) and writes W
// scales, W negated mins and 32 * W codes, bit for bit what the scalar search writes.
#include <cstdint>

namespace ql::kquant {
namespace avx2 {
void searchQ4K(const float* x, float* scales, float* negMins, uint8_t* L);
void requantizeQ4K(const float* x, const float* d, const float* dm, uint8_t* L);
} // namespace avx2
namespace avx512 {
void searchQ4K(const float* x, float* scales, float* negMins, uint8_t* L);
void requantizeQ4K(const float* x, const float* d, const float* dm, uint8_t* L);
} // namespace avx512
} // namespace ql::kquant
