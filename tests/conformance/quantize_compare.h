#pragma once
// Bit-exact comparison of two quantizations, with messages that say where they differ.
#include "engine/quant/quantize.h"

#include <gtest/gtest.h>
#include <span>

namespace ql::test {

// Codes identical, scales and zero points identical bit for bit; shapes and sizes exact.
::testing::AssertionResult sameQuantization(const QuantizedTensor& expected,
                                            const QuantizedTensor& actual,
                                            std::span<const float> src);

// The contract of engine/quant/quantize.h written out independently of the engine, so
// that the reference itself is checked and not only compared with itself.
QuantizedTensor contractOracle(QuantFormat format, std::span<const float> src, int64_t rows,
                               int64_t cols);

} // namespace ql::test
