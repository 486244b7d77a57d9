#pragma once
// AVX2 bodies of GGUF Q8_0 and Q4_0's CPU path: one block of 32 in four vectors, the same
// float operations as the SSE2 bodies and ggml's reference, so the same bytes. Called
// only after cpuHasAvx2() (quantize_cpu_avx2.h); blocks whose 1/d overflows take the
// reference's own code.
#include <cstddef>
#include <cstdint>

namespace ql {

void quantizeRowQ8_0Avx2(const float* x, std::byte* dst, int64_t n);
void quantizeRowQ4_0Avx2(const float* x, std::byte* dst, int64_t n);

// GGUF F16 with the F16C conversion instruction: the bytes of convertRowF16
// (ggml_legacy_quant.h), NaN included. Only after cpuHasF16c().
bool cpuHasF16c();
void convertRowF16F16c(const float* x, std::byte* dst, int64_t n);

} // namespace ql
