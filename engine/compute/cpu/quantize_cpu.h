#pragma once
// The optimised CPU path of the RTN quantizers: rows split over threads, each group
// processed four floats at a time with SSE2 (the x86-64 baseline, so the binary runs on
// any x86-64 machine). _mm_cvtps_epi32 rounds half to even under the default MXCSR mode,
// which is the contract's roundEven; saturating packs then clamp to the code range.
#include "engine/quant/quantize.h"

namespace ql {

void quantizeRowsCpu(QuantFormat format, const float* src, int64_t rowBegin, int64_t rowEnd,
                     int64_t cols, QuantizedTensor& out);

} // namespace ql
