#pragma once
// Storage types to float32, bit-exact with ggml's dequantize_row_* (ggml-quants.c) and
// its fp16/bf16 conversions. Sources may be unaligned (memory-mapped model files).
#include "engine/quant/formats.h"

#include <cstddef>
#include <cstdint>
#include <span>

namespace ql {

// Converts n values of `type` from src into dst. n must be a whole number of blocks
// and src must hold exactly dtypeBytes(type, n) bytes; otherwise std::invalid_argument
// (a programming error: readers validate files before calling this).
void dequantizeRows(DType type, std::span<const std::byte> src, float* dst, int64_t n);

// Per-type kernels, n values each (a multiple of the block size).
void dequantizeRowQ8_0(const std::byte* src, float* dst, int64_t n);
void dequantizeRowQ4_0(const std::byte* src, float* dst, int64_t n);
void dequantizeRowQ4_1(const std::byte* src, float* dst, int64_t n);
void dequantizeRowQ5_0(const std::byte* src, float* dst, int64_t n);
void dequantizeRowQ5_1(const std::byte* src, float* dst, int64_t n);
// K-quants and IQ4_NL (dequantize_kquants.cpp).
void dequantizeRowQ2_K(const std::byte* src, float* dst, int64_t n);
void dequantizeRowQ3_K(const std::byte* src, float* dst, int64_t n);
void dequantizeRowQ4_K(const std::byte* src, float* dst, int64_t n);
void dequantizeRowQ5_K(const std::byte* src, float* dst, int64_t n);
void dequantizeRowQ6_K(const std::byte* src, float* dst, int64_t n);
void dequantizeRowIQ4_NL(const std::byte* src, float* dst, int64_t n);

} // namespace ql
