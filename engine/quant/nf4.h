#pragma once
// bitsandbytes' 4-bit code books (NF4 and FP4), its decision trees that pick a code for a
// value already divided by the block's absmax, and its 8-bit dynamic map with the
// nested (double) quantization of the absmax values.
#include <array>
#include <cstdint>
#include <vector>

namespace ql {

struct DoubleQuantState;

// The 16 values, index = code (bitsandbytes' nf4 / fp4 dequantization tables).
const std::array<float, 16>& nf4CodeBook();
const std::array<float, 16>& fp4CodeBook();

// dQuantizeNF4 / dQuantizeFP4: x > threshold comparisons with bnb's float literals, so a
// value exactly on a threshold takes the lower code and NaN (0 * inf) takes code 0.
uint8_t nf4Code(float x);
uint8_t fp4Code(float x);
// The thresholds, ascending: nf4Code(x) = number of them below x; fp4 magnitude likewise.
const std::array<float, 15>& nf4Thresholds();
const std::array<float, 7>& fp4Thresholds();
// FP4 magnitude rank (0..7, by value) to the code's low three bits.
const std::array<uint8_t, 8>& fp4CodeOfRank();

// create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8), sorted, 256 values.
const std::array<float, 256>& dynamicQuantMap();
// bnb's dQuantize<0>: binary search with its quirks (code 255 is never chosen).
uint8_t dynamicQuantCode(float x);

// Blockwise 8-bit quantization of absmax values (blocks of 256) after subtracting their
// mean, and the absmax value it gives back for index i.
void doubleQuantize(const std::vector<float>& absmax, DoubleQuantState& out);
float doubleQuantizedAbsmax(const DoubleQuantState& dq, int64_t i);

} // namespace ql
