#include "engine/quant/analysis_bins.h"

#include "engine/quant/outliers.h"

#include <bit>
#include <cmath>
#include <limits>

namespace ql {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr float kInfF = std::numeric_limits<float>::infinity();
constexpr float kNaNF = std::numeric_limits<float>::quiet_NaN();

// Non-NaN floats in ascending order as unsigned keys (-0 just below +0).
uint32_t floatKey(float f) {
    const uint32_t u = std::bit_cast<uint32_t>(f);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

float keyFloat(uint32_t k) {
    return std::bit_cast<float>((k & 0x80000000u) ? (k & 0x7fffffffu) : ~k);
}

// The least float for which a predicate that only ever turns from false to true along the
// floats holds: -inf when it holds everywhere, NaN (which no comparison passes) when nowhere.
template <class Pred> float leastFloatWhere(Pred holds) {
    if (holds(-kInfF))
        return -kInfF;
    if (!holds(kInfF))
        return kNaNF;
    uint32_t lo = floatKey(-kInfF), hi = floatKey(kInfF); // holds(lo) false, holds(hi) true
    while (hi - lo > 1) {
        const uint32_t mid = lo + (hi - lo) / 2;
        (holds(keyFloat(mid)) ? hi : lo) = mid;
    }
    return keyFloat(hi);
}

// The greatest float for which a predicate that only turns from true to false holds.
template <class Pred> float greatestFloatWhere(Pred holds) {
    if (holds(kInfF))
        return kInfF;
    if (!holds(-kInfF))
        return kNaNF;
    uint32_t lo = floatKey(-kInfF), hi = floatKey(kInfF); // holds(lo) true, holds(hi) false
    while (hi - lo > 1) {
        const uint32_t mid = lo + (hi - lo) / 2;
        (holds(keyFloat(mid)) ? lo : hi) = mid;
    }
    return keyFloat(lo);
}

// The least double d >= 0 for which a predicate that turns from false to true holds (the
// bits of non-negative doubles ascend with their values); NaN when no finite d or +inf does.
template <class Pred> double leastNonNegativeWhere(Pred holds) {
    if (holds(0.0))
        return 0.0;
    if (!holds(kInf))
        return kNaN;
    uint64_t lo = 0, hi = std::bit_cast<uint64_t>(kInf);
    while (hi - lo > 1) {
        const uint64_t mid = lo + (hi - lo) / 2;
        (holds(std::bit_cast<double>(mid)) ? hi : lo) = mid;
    }
    return std::bit_cast<double>(hi);
}

void findErrorThresholds(AnalysisBins& b) {
    b.errorAt.fill(kNaN);
    b.errorAt[0] = -kInf;
    const std::vector<double>& edges = b.errorEdges;
    for (size_t i = 1; i + 1 < edges.size(); ++i) // the interior edges: bins 1..29 start there
        b.errorAt[i] =
            leastNonNegativeWhere([&](double d) { return d / b.errorScale >= edges[i]; });
}

void findWeightThresholds(AnalysisBins& b) {
    b.weightAt.fill(kNaNF);
    b.weightAt[0] = -kInfF;
    const std::vector<double>& edges = b.weightEdges;
    for (size_t i = 1; i + 1 < edges.size(); ++i)
        b.weightAt[i] = leastFloatWhere([&](float w) {
            const double z = b.sigma > 0 ? (double(w) - b.mean) / b.sigma : 0.0;
            return z >= edges[i];
        });
}

void findOutlierThresholds(AnalysisBins& b) {
    const auto above = [&](double k) {
        return leastFloatWhere([&](float w) { return double(w) - b.mean > k; });
    };
    const auto below = [&](double k) {
        return greatestFloatWhere([&](float w) { return double(w) - b.mean < -k; });
    };
    b.k3Above = above(b.k3);
    b.k3Below = below(b.k3);
    b.k6Above = above(b.k6);
    b.k6Below = below(b.k6);
}

// The error bin is floor(4 log10(d / scale) + 25), clamped to 0..29. Reading log2(d) as
// exponent + mantissa fraction (bits / 2^52 - 1023) never overstates it and understates it
// by at most 0.0861, so the guess is the bin or one below (0.104 bins of slack, less a
// margin of 1e-9 bins that covers the rounding of this arithmetic). It holds for normal d;
// a zero or subnormal d is far below bin 1 when the scale is at least 1e-300.
void setErrorGuess(AnalysisBins& b) {
    constexpr double kLog10Of2 = 0.30102999566398120;
    b.errorGuessSlope = 4.0 * kLog10Of2 / double(uint64_t(1) << 52);
    b.errorGuessOffset = 25.0 - 4.0 * 1023.0 * kLog10Of2 - 4.0 * std::log10(b.errorScale) - 1e-9;
    b.errorGuessValid = std::isfinite(b.errorScale) && b.errorScale >= 1e-300 &&
                        b.errorScale <= 1e300 && b.errorEdges.size() == 31;
}

} // namespace

AnalysisBins analysisBins(double mean, double sigma, double errorScale) {
    AnalysisBins b;
    b.mean = mean;
    b.sigma = sigma;
    b.errorScale = errorScale;
    b.k3 = kOutlierK3 * sigma;
    b.k6 = kOutlierK6 * sigma;
    findErrorThresholds(b);
    findWeightThresholds(b);
    findOutlierThresholds(b);
    setErrorGuess(b);
    b.weightGuessMean = float(mean);
    b.weightGuessSlope = sigma > 0 ? float(4.0 / sigma) : 0.0f;
    return b;
}

} // namespace ql
