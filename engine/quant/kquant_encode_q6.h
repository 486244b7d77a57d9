#pragma once
// The Q6_K encoder's super-block step, shared by the scalar encoder and the vectorised
// CPU path (kquant_encode_fast.cpp), so that both write the same bytes.
#include "engine/quant/formats.h"

#include <cstdint>

namespace ql::kquant {

constexpr int kQ6Sub = 16, kQ6SubBlocks = kQK_K / kQ6Sub;

// After the 16 sub-block searches (scales, and codes + 32 in L, sub-block by sub-block):
// the int8 scales under one fp16 d, the codes again against them, packed into b. False
// when the super-block is all (near) zeros (b is then left for the caller to zero).
bool finishQ6Block(const float* x, const float* scales, int8_t* L, BlockQ6_K& b);

} // namespace ql::kquant
