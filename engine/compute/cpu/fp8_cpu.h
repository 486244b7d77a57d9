#pragma once
// The CPU path of FP8 encoding: x / scale, then floatToFp8Bits sixteen lanes at a time
// with AVX-512, eight with AVX2 or four with SSE2, whichever the CPU has. Equal to the
// scalar reference (floatToFp8) code for code (cpu_fp8_encoder_test: every float).
#include "engine/quant/fp8.h"

#include <cstdint>

namespace ql {

void quantizeRowFp8ScaledCpu(const float* x, uint8_t* dst, int64_t n, Fp8Kind kind, float scale);
void quantizeRowFp8Cpu(const float* x, uint8_t* dst, int64_t n, Fp8Kind kind);

} // namespace ql
