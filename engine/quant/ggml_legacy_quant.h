#pragma once
// Reference encoders of ggml's legacy block types, byte-identical to ggml's
// quantize_row_*_ref (ggml-quants.c): the same scale choice, the same fp16 rounding and
// the same integer conversions. Note these use roundf / truncation as ggml does, not the
// half-to-even rounding of Quantlens's own RTN formats: byte equality with the
// ecosystem matters more here than one rounding rule everywhere.
#include <cstddef>
#include <cstdint>

namespace ql {

// n is a multiple of 32; dst receives n / 32 blocks.
void quantizeRowQ8_0Ref(const float* x, std::byte* dst, int64_t n);
void quantizeRowQ4_0Ref(const float* x, std::byte* dst, int64_t n);
void quantizeRowQ4_1Ref(const float* x, std::byte* dst, int64_t n);
void quantizeRowQ5_0Ref(const float* x, std::byte* dst, int64_t n);
void quantizeRowQ5_1Ref(const float* x, std::byte* dst, int64_t n);
void convertRowF16(const float* x, std::byte* dst, int64_t n);

} // namespace ql
