#pragma once
// What the per-tensor analysis compares each weight with, worked out once per tensor.
//
// The error bin of a weight is a step function of d = |q - w| (in double): the bin is the
// number of edges E with d / scale >= E, and since a rounded division by a positive scale
// never decreases as d grows, "d / scale >= E" holds exactly for d at or above one double,
// the least one for which it holds. The same goes for the weight bin of a float w (z =
// (w - mean) / sigma) and for the outlier tests |w - mean| > k sigma (one float above the
// mean, one below). Those doubles and floats are found once per tensor by bisecting the
// ordered doubles and floats with the very expressions the reference evaluates, so
// comparing against them places every weight exactly where the reference does; only the
// bin guess that says which thresholds to compare with is approximate, and it is checked.
#include "engine/quant/error_histogram.h"

#include <array>
#include <cstdint>
#include <vector>

namespace ql {

struct AnalysisBins {
    double mean = 0, sigma = 0, errorScale = 1;
    double k3 = 0, k6 = 0; // outlier thresholds on |w - mean|: kOutlierK3 and K6 times sigma
    std::vector<double> errorEdges = errorHistogramScheme().edges;
    std::vector<double> weightEdges = weightHistogramScheme().edges;

    // errorAt[i] (i = 1..29): the least d = |q - w| in error bin i or above; NaN where no
    // d reaches it. errorAt[0] = -inf, errorAt[30..31] = NaN (nothing is above bin 29).
    std::array<double, 32> errorAt{};
    // weightAt[i] (i = 1..65): the least float w in weight bin i or above, NaN where none;
    // weightAt[0] = -inf, weightAt[66..79] = NaN (80: five vectors of 16 for table lookups).
    std::array<float, 80> weightAt{};
    // A weight is an outlier at k = 3 when w >= k3Above or w <= k3Below (NaN: never).
    float k3Above = 0, k3Below = 0, k6Above = 0, k6Below = 0;

    // Bin guesses. Error: floor(bits(d) * errorGuessSlope + errorGuessOffset), from the
    // exponent and mantissa of d as a straight-line log; it is the bin or the one below
    // for every d (see analysisBins), when errorGuessValid. Weight: floor((w -
    // weightGuessMean) * weightGuessSlope + 33) in float, which can miss and is checked.
    double errorGuessSlope = 0, errorGuessOffset = 0;
    bool errorGuessValid = false;
    float weightGuessMean = 0, weightGuessSlope = 0;
};

// Thresholds for a tensor of this mean and sigma whose errors are measured in errorScale.
AnalysisBins analysisBins(double mean, double sigma, double errorScale);

} // namespace ql
