#pragma once
// The scale, zero-point and code rules of every unpacked (Rtn) scheme, written plainly:
// the scalar reference. The CPU path (compute/cpu) computes the same GroupParams with
// these functions and vectorises only the per-weight loop, so both give the same codes.
#include "engine/quant/formats.h"

#include <cstdint>

namespace ql {

struct RangeStats {
    float min = 0.0f, max = 0.0f, absmax = 0.0f;
};

struct GroupParams {
    float scale = 0.0f; // what QuantizedTensor::scales holds
    float inv = 0.0f;   // SymAbsmax: 1/scale or 0; Nf4/Fp4: 1/absmax (inf for a zero block)
    float zero = 0.0f;  // the stored (shifted) zero point; 0 for symmetric schemes
};

RangeStats rangeStats(const float* x, int64_t n);
RangeStats mergeStats(RangeStats a, RangeStats b);
GroupParams groupParams(const QuantFormatInfo& info, RangeStats stats);

// Codes of n weights of one group under params p (codes shifted by codeOffset(info)).
void encodeGroupReference(const QuantFormatInfo& info, const float* x, int64_t n,
                          const GroupParams& p, int8_t* codes);

// The value a stored code stands for, before the scale: (code - zero) or a code book entry.
float codeValue(const QuantFormatInfo& info, int8_t code, float zero);

} // namespace ql
