#pragma once
// Entry points of the vectorised scale searches, one namespace per instruction set. Each
// takes W consecutive groups (kLanes: 8 for AVX2, 16 for AVX-512) and writes W scales
// and the codes transposed (Lt[i * W + k] is code i of group k), bit for bit what the
// scalar search writes.
//  - searchK4: Q4_K/Q5_K's plain search on sub-blocks of 32 (weights av + |x|; codes
//    0..nmax, the plain candidates p), with W negated mins; requantizeK4 then writes the
//    final codes in order.
//  - searchAsymmetric: asymmetricScaleSearch (robust: ...Robust) on groups of n = 16 or
//    32 with the caller's weights, with W negated mins.
//  - searchSymmetric: symmetricScaleSearch on groups of n = 16 or 32 (weights null: x^2),
//    codes + nmax.
//  - refineSymmetric: symmetricScaleRefine (Q3_K's plain search) on groups of n = 16 or 32,
//    codes + nmax.
//  - searchIQ4NL: W blocks of 32 of IQ4_NL (importance null: weights x^2).
#include "engine/quant/kquant_encode_search.h"

#include <cstdint>

namespace ql::kquant {

#define QL_KQUANT_LANE_ENTRY_POINTS                                                                \
    void searchK4(const float* x, int nmax, AsymmetricSearch p, float* scales, float* negMins,     \
                  uint8_t* Lt);                                                                    \
    void requantizeK4(const float* x, int nmax, const float* d, const float* dm,                   \
                      const uint8_t* Lt, uint8_t* L);                                              \
    void searchAsymmetric(int n, const float* x, const float* weights, int nmax,                   \
                          AsymmetricSearch p, bool robust, float* scales, float* negMins,          \
                          uint8_t* Lt);                                                            \
    void searchSymmetric(int n, const float* x, const float* weights, int nmax, float* scales,     \
                         uint8_t* Lt);                                                             \
    void refineSymmetric(int n, const float* x, int nmax, float* scales, uint8_t* Lt);             \
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
