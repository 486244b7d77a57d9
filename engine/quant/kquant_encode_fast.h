#pragma once
// Entry points of the vectorised Q4_K/Q5_K search (codes 0..nmax: 15 or 31, the plain
// search's candidates p), one namespace per instruction set. Each takes W consecutive
// sub-blocks of 32 (kLanes: 8 for AVX2, 16 for AVX-512) and writes W scales, W negated
// mins and 32 * W codes (transposed: Lt[i * W + k]), bit for bit what the scalar search
// writes; requantizeK4 then writes the final codes in order. searchQ6K: W sub-blocks of 16
// on the symmetric grid (Q6_K's make_qx_quants), scales and codes + nmax, transposed.
// searchIQ4NL: W blocks of 32 of IQ4_NL (importance null: weights x^2), each block's
// scale and codes, transposed.
#include "engine/quant/kquant_encode_search.h"

#include <cstdint>

namespace ql::kquant {

#define QL_KQUANT_LANE_ENTRY_POINTS                                                                \
    void searchK4(const float* x, int nmax, AsymmetricSearch p, float* scales, float* negMins,     \
                  uint8_t* Lt);                                                                    \
    void requantizeK4(const float* x, int nmax, const float* d, const float* dm,                   \
                      const uint8_t* Lt, uint8_t* L);                                              \
    void searchQ6K(const float* x, const float* importance, int nmax, float* scales, uint8_t* Lt); \
    void searchIQ4NL(const float* x, const float* importance, float* d, uint8_t* Lt);

namespace avx2 {
constexpr int kLanes = 8;
QL_KQUANT_LANE_ENTRY_POINTS
} // namespace avx2
namespace avx512 {
constexpr int kLanes = 16;
QL_KQUANT_LANE_ENTRY_POINTS
} // namespace avx512

#undef QL_KQUANT_LANE_ENTRY_POINTS

} // namespace ql::kquant
