#include "engine/quant/error_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace ql {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

HistogramScheme makeErrorScheme() {
    HistogramScheme s{"abs-error-over-sigma/log10-quarter-decades", {0.0}};
    for (int i = 0; i <= 28; ++i)
        s.edges.push_back(std::pow(10.0, -6.0 + i / 4.0));
    s.edges.push_back(kInf);
    return s;
}

HistogramScheme makeWeightScheme() {
    HistogramScheme s{"weight-z/quarter-sigma", {-kInf}};
    for (int i = 0; i <= 64; ++i)
        s.edges.push_back(-8.0 + 0.25 * i); // multiples of 1/4: exact in binary
    s.edges.push_back(kInf);
    return s;
}

// log10 of a positive normal double from its bits, to within 0.03: exponent plus the
// mantissa as a straight line (log2(1 + f) ~ f, off by at most 0.086).
double roughLog10(double x) {
    const uint64_t bits = std::bit_cast<uint64_t>(x);
    const int exponent = int((bits >> 52) & 0x7ff) - 1023;
    const double fraction = double(bits & ((uint64_t(1) << 52) - 1)) / double(uint64_t(1) << 52);
    return (exponent + fraction) * 0.30102999566398120;
}

// Moves a guessed bin to the one whose [lower, upper) holds x, among bins lo..hi.
int settle(const std::vector<double>& edges, double x, int guess, int lo, int hi) {
    int b = std::clamp(guess, lo, hi);
    while (b > lo && x < edges[size_t(b)])
        --b;
    while (b < hi && x >= edges[size_t(b) + 1])
        ++b;
    return b;
}

} // namespace

int errorBinOf(double x) {
    const std::vector<double>& e = errorHistogramScheme().edges;
    if (!(x >= e[1]))
        return 0;
    const int last = int(e.size()) - 2;
    if (x >= e[size_t(last)])
        return last;
    return settle(e, x, 1 + int(std::floor(4.0 * (roughLog10(x) + 6.0))), 1, last - 1);
}

int weightBinOf(double z) {
    const std::vector<double>& e = weightHistogramScheme().edges;
    if (z < e[1])
        return 0;
    const int last = int(e.size()) - 2;
    if (z >= e[size_t(last)])
        return last;
    return settle(e, z, 1 + int(std::floor((z + 8.0) * 4.0)), 1, last - 1);
}

int HistogramScheme::binOf(double x) const {
    // upper_bound: the first edge above x; the bin below it is the one holding x.
    const auto it = std::upper_bound(edges.begin() + 1, edges.end() - 1, x);
    return int(it - edges.begin()) - 1;
}

const HistogramScheme& errorHistogramScheme() {
    static const HistogramScheme scheme = makeErrorScheme();
    return scheme;
}

const HistogramScheme& weightHistogramScheme() {
    static const HistogramScheme scheme = makeWeightScheme();
    return scheme;
}

std::vector<const HistogramScheme*> histogramSchemes() {
    return {&errorHistogramScheme(), &weightHistogramScheme()};
}

const HistogramScheme* histogramSchemeNamed(std::string_view name) {
    for (const HistogramScheme* s : histogramSchemes())
        if (s->name == name)
            return s;
    return nullptr;
}

} // namespace ql
