#pragma once
// The summary statistics llama-perplexity prints: mean with the standard error of the
// mean, and percentiles by linear interpolation between sorted values.
#include <cstdint>
#include <span>
#include <vector>

namespace ql {

struct MeanError {
    double mean = 0;
    double error = 0; // sqrt((E[x^2] - E[x]^2) / (N - 1)); 0 for N <= 1
};

MeanError meanWithError(std::span<const double> values);
MeanError meanWithError(double sum, double sumSquares, int64_t n);

// p in [0, 1]: value at p*(N-1) of the sorted values, interpolated. sorted must be sorted.
double percentile(std::span<const double> sorted, double p);

// The levels llama-perplexity prints (p001 is its "0.1%", p01 its "1.0%").
struct Percentiles {
    double min = 0, p001 = 0, p01 = 0, p05 = 0, p10 = 0, p25 = 0, median = 0, p75 = 0, p90 = 0,
           p95 = 0, p99 = 0, p999 = 0, max = 0;
};
Percentiles percentiles(std::vector<double> values); // sorts its copy

} // namespace ql
