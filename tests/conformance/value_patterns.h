#pragma once
// Deterministic inputs that stress the rounding contract: each names a way in which a
// backend could differ from the reference (reduction order, division, ties, clamping).
#include "engine/quant/formats.h"

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace ql::test {

enum class Pattern {
    Gaussian,    // smooth weights, like a trained layer
    Zeros,       // absmax 0: scale 0, inv 0
    Constant,    // every x equals absmax: x * inv must round to qmax
    TinyAndHuge, // 1e-7..1e-3 next to +-6e4: tiny codes flush to 0, range is wide
    Ties,        // x = (k + 0.5) * scale exactly: roundEven must pick the even code
    Outlier,     // gaussian with one +-1e4 per row: scale set by one value
    SignedZeros, // +0 and -0 alternating (odd rows start with -0): max - min may be -0
};

const std::vector<Pattern>& allPatterns();
std::string patternName(Pattern p);
inline void PrintTo(Pattern p, std::ostream* os) {
    *os << patternName(p);
}
std::vector<float> makePattern(Pattern p, QuantFormat format, int64_t rows, int64_t cols);

} // namespace ql::test
