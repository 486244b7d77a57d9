#pragma once
// Encoders of ggml's K-quants (Q2_K..Q6_K, super-blocks of 256) and IQ4_NL (blocks of
// 32 on a non-linear code book), written from the published algorithms of ggml-quants.c
// so that they produce ggml's bytes: without importance the *_ref encoders
// (quantize_row_q*_K_ref; IQ4_NL has only one), with importance the quant_weights
// encoders (quantize_row_q*_K_impl, quantize_row_iq4_nl_impl).
//
// importance: null, or one non-negative weight per column of the row (n values), as
// llama-imatrix stores them for a tensor: the mean squared activation of that column.
#include "engine/quant/formats.h"
#include "engine/quant/quantize.h"
#include "engine/quant/simd_level.h"

#include <cstddef>
#include <cstdint>
#include <span>

namespace ql {

// n is a multiple of 256 (32 for IQ4_NL); dst receives n / block elements blocks.
void quantizeRowQ2_K(const float* x, std::byte* dst, int64_t n, const float* importance);
void quantizeRowQ3_K(const float* x, std::byte* dst, int64_t n, const float* importance);
void quantizeRowQ4_K(const float* x, std::byte* dst, int64_t n, const float* importance);
void quantizeRowQ5_K(const float* x, std::byte* dst, int64_t n, const float* importance);
void quantizeRowQ6_K(const float* x, std::byte* dst, int64_t n, const float* importance);
void quantizeRowIQ4_NL(const float* x, std::byte* dst, int64_t n, const float* importance);

// Every searched encoder with its searches eight (AVX2) or sixteen (AVX-512) groups at a
// time in vector lanes, at `level` or the widest the CPU has if that is less (tests run
// each): a K-quant or IQ4_NL type with or without importance, Q4_0/Q4_1/Q5_0/Q5_1 with it.
// Each lane does the scalar search's float operations in its order, so the bytes are the
// scalar encoder's (kquantRowEncoder, importanceRowEncoder), several times faster; throws
// std::logic_error for other types.
void quantizeRowInLanes(DType type, const float* x, std::byte* dst, int64_t n,
                        const float* importance, SimdLevel level);

// The encoder of a K-quant or IQ4_NL storage type; throws std::logic_error for others.
using KQuantRowEncoder = void (*)(const float*, std::byte*, int64_t, const float*);
KQuantRowEncoder kquantRowEncoder(DType type);
// The same without importance, in the shape of quantizeBlockRows' row encoders.
using PlainRowEncoder = void (*)(const float*, std::byte*, int64_t);
PlainRowEncoder kquantPlainRowEncoder(DType type);

// A whole tensor on the scalar encoders, with an optional importance vector (empty, or one
// weight per column). `format` is a K-quant or IQ4_NL format and cols a whole number of
// its blocks. Throws ql::Error when the importance has the wrong length or a negative,
// NaN or infinite weight (naming its index).
void quantizeKQuantReference(QuantFormat format, std::span<const float> src, int64_t rows,
                             int64_t cols, std::span<const float> importance, QuantizedTensor& out);

} // namespace ql
