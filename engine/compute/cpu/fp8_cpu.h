#pragma once
// The CPU path of FP8 encoding: x / scale, then floatToFp8Bits four lanes at a time with
// SSE2. Equal to the scalar reference (floatToFp8) code for code.
#include "engine/quant/fp8.h"

#include <cstdint>

namespace ql {

void quantizeRowFp8ScaledCpu(const float* x, uint8_t* dst, int64_t n, Fp8Kind kind, float scale);
void quantizeRowFp8Cpu(const float* x, uint8_t* dst, int64_t n, Fp8Kind kind);

} // namespace ql
