#pragma once
// The optimised CPU path of the quantizers: rows in small chunks over threads
// (cpu_parallel.h), each group's per-weight loop in SSE2 (the x86-64 baseline, so the
// binary runs on any x86-64 machine) or, chosen at run time, AVX2 / AVX-512. Scales and
// zero points come from the same scalar functions as the reference (rtn_schemes.h), so
// codes are identical. _mm_cvtps_epi32 rounds half to even under the default MXCSR mode,
// which is the contract's roundEven.
#include "engine/quant/quantize.h"
#include "engine/quant/rtn_schemes.h"

namespace ql {

// Rows [rowBegin, rowEnd) into out (already sized). tensorParams: the one scale of a
// per-tensor format (ignored otherwise).
void quantizeRowsCpu(QuantFormat format, const float* src, int64_t rowBegin, int64_t rowEnd,
                     int64_t cols, QuantizedTensor& out, const GroupParams& tensorParams = {});

// The whole tensor: statistics that span rows first, then rows over `threads`, then the
// double quantization of the absmax values where the format has it.
void quantizeTensorCpu(QuantFormat format, std::span<const float> src, int64_t rows, int64_t cols,
                       QuantizedTensor& out, int threads);

} // namespace ql
