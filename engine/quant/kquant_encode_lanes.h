#pragma once
// The scalar encoders of kquant_encode.h and ggml_legacy_importance.h with their group
// searches handed to `lanes` (kquant_encode_search.h; null: all scalar, which is what the
// public functions do). Everything around the searches (weights, super-block scales, codes
// again, packing) is the scalar encoder's own code, so the bytes cannot differ.
#include "engine/quant/formats.h"
#include "engine/quant/kquant_encode.h"
#include "engine/quant/kquant_encode_search.h"

#include <cstddef>
#include <cstdint>

namespace ql::kquant {

// The searches in the lanes of `level` (at most the CPU's); null for SimdLevel::Scalar.
const LaneSearches* laneSearches(SimdLevel level);

void encodeRowQ2_K(const float* x, std::byte* dst, int64_t n, const float* importance,
                   const LaneSearches* lanes);
void encodeRowQ3_K(const float* x, std::byte* dst, int64_t n, const float* importance,
                   const LaneSearches* lanes);
// Lanes only with an importance vector: the plain searches have their own kernel
// (kquant_encode_fast.cpp).
void encodeRowQ4_K(const float* x, std::byte* dst, int64_t n, const float* importance,
                   const LaneSearches* lanes);
void encodeRowQ5_K(const float* x, std::byte* dst, int64_t n, const float* importance,
                   const LaneSearches* lanes);
void encodeRowQ6_K(const float* x, std::byte* dst, int64_t n, const float* importance,
                   const LaneSearches* lanes);
// Q4_0, Q4_1, Q5_0 or Q5_1 with an importance vector (n weights).
void encodeRowLegacyImportance(DType type, const float* x, std::byte* dst, int64_t n,
                               const float* importance, const LaneSearches* lanes);

} // namespace ql::kquant
