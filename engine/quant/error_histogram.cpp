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

} // namespace

int errorBinOf(double x) {
    return errorBinIn(errorHistogramScheme().edges, x);
}

int weightBinOf(double z) {
    return weightBinIn(weightHistogramScheme().edges, z);
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
