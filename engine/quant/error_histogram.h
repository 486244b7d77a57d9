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

// Both schemes, for the workspace's table of edges.
std::vector<const HistogramScheme*> histogramSchemes();
const HistogramScheme* histogramSchemeNamed(std::string_view name);

} // namespace ql
