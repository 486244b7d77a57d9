#pragma once
// The steps of the Q4_K/Q5_K encoders that the scalar and the vectorised paths share, so
// that both write the same bytes.
#include "engine/quant/formats.h"
#include "engine/quant/kquant_encode_blocks.h"
#include "engine/quant/kquant_encode_search.h"

namespace ql::kquant {

constexpr int kK4Sub = 32, kK4SubBlocks = kQK_K / kK4Sub;

// quantize_row_q4_K_ref's search: 21 candidate scales from (-1 + 0.1 * is + 15) / range.
constexpr AsymmetricSearch kQ4KPlainSearch{-1.0f, 0.1f, 20, false};
// quantize_row_q5_K_ref's: 16 candidates from (-0.5 + 0.1 * is + 31) / range.
constexpr AsymmetricSearch kQ5KPlainSearch{-0.5f, 0.1f, 15, false};

// A super-block before its codes are packed.
struct K4Fields {
    uint16_t d = 0, dmin = 0;
    uint8_t scales[12] = {};
    uint8_t L[kQK_K] = {};
};

// The plain encoders' rule: 6-bit scales and mins on a grid of 63 steps up to their
// maxima, fp16 super-scale max / 63.
void quantizeScalesK4Plain(const float* scales, const float* mins, K4Fields& f);
// Codes again against the scales as stored; sub-blocks whose scale is 0 keep theirs.
void requantizeK4(const float* x, int nmax, K4Fields& f);
void storeQ4_K(const K4Fields& f, std::byte* dst, int64_t i);
void storeQ5_K(const K4Fields& f, std::byte* dst, int64_t i);

} // namespace ql::kquant
