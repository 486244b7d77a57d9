#pragma once
// Fixed-bin histograms of a tensor's quantization error and of its weights. The bins are
// the same for every tensor, format and model, so two histograms compare bin for bin
// and a stored one can be drawn again years later: each scheme has a name, and the
// workspace keeps its edges (table histogram_bins).
//
// Both schemes measure in units of the tensor's own spread sigma (the population
// standard deviation of its weights), which makes a 4096x4096 projection and a 64x64
// one comparable:
//   "abs-error-over-sigma/log10-quarter-decades": |q - w| / sigma. Bin 0 is [0, 1e-6)
//     (exact weights land here), then 28 bins a quarter decade wide from 1e-6 to 10
//     (edges 10^(-6 + i/4)), then [10, +inf). Quantization error spans six decades
//     between FP8/int8 (about 1e-2 sigma) and 2-bit grids (about 1 sigma).
//   "weight-z/quarter-sigma": (w - mean) / sigma. (-inf, -8), 64 bins 0.25 wide from -8
//     to 8, then [8, +inf): the outliers beyond 3 and 6 sigma sit in their own bars.
// A value on an edge belongs to the bin above it (lower edges are inclusive).
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <vector>

namespace ql {

struct HistogramScheme {
    std::string_view name;
    std::vector<double> edges; // bins + 1 ascending edges; the outer ones may be infinite

    int bins() const { return int(edges.size()) - 1; }
    int binOf(double x) const; // the bin whose [lower, upper) holds x
};

const HistogramScheme& errorHistogramScheme();
const HistogramScheme& weightHistogramScheme();
// The same bins as errorHistogramScheme().binOf(x) and weightHistogramScheme().binOf(z),
// found in constant time (a guess from the exponent, checked against the edges): the
// analysis bins every weight twice, and a binary search made it 7x slower than the
// error figures it sits beside.
int errorBinOf(double x);
int weightBinOf(double z);
// The same with the scheme's edges passed in, inline: the analysis loop fetches the edges
// once per row instead of calling out per weight.
inline int errorBinIn(const std::vector<double>& errorEdges, double x);
inline int weightBinIn(const std::vector<double>& weightEdges, double z);

// Both schemes, for the workspace's table of edges.
std::vector<const HistogramScheme*> histogramSchemes();
const HistogramScheme* histogramSchemeNamed(std::string_view name);

namespace histogram_detail {

// log10 of a positive normal double from its bits, to within 0.03: exponent plus the
// mantissa as a straight line (log2(1 + f) ~ f, off by at most 0.086).
inline double roughLog10(double x) {
    const uint64_t bits = std::bit_cast<uint64_t>(x);
    const int exponent = int((bits >> 52) & 0x7ff) - 1023;
    const double fraction = double(bits & ((uint64_t(1) << 52) - 1)) / double(uint64_t(1) << 52);
    return (exponent + fraction) * 0.30102999566398120;
}

// Moves a guessed bin to the one whose [lower, upper) holds x, among bins lo..hi.
inline int settle(const std::vector<double>& edges, double x, int guess, int lo, int hi) {
    int b = std::clamp(guess, lo, hi);
    while (b > lo && x < edges[size_t(b)])
        --b;
    while (b < hi && x >= edges[size_t(b) + 1])
        ++b;
    return b;
}

} // namespace histogram_detail

inline int errorBinIn(const std::vector<double>& e, double x) {
    if (!(x >= e[1]))
        return 0;
    const int last = int(e.size()) - 2;
    if (x >= e[size_t(last)])
        return last;
    // A truncated guess (no floor: the x86-64 baseline has no rounding instruction) is at
    // most one bin low for x just above 1e-6; settle moves it to the exact bin either way.
    return histogram_detail::settle(e, x, 1 + int(4.0 * (histogram_detail::roughLog10(x) + 6.0)), 1,
                                    last - 1);
}

inline int weightBinIn(const std::vector<double>& e, double z) {
    if (z < e[1])
        return 0;
    const int last = int(e.size()) - 2;
    if (z >= e[size_t(last)])
        return last;
    return histogram_detail::settle(e, z, 1 + int((z + 8.0) * 4.0), 1, last - 1); // z >= -8
}

} // namespace ql
