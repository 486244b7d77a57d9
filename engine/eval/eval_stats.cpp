#include "engine/eval/eval_stats.h"

#include <algorithm>
#include <cmath>

namespace ql {

MeanError meanWithError(double sum, double sumSquares, int64_t n) {
    MeanError r;
    if (n <= 0)
        return r;
    r.mean = sum / double(n);
    if (n > 1) {
        const double variance = sumSquares / double(n) - r.mean * r.mean;
        r.error = std::sqrt(std::max(0.0, variance) / double(n - 1));
    }
    return r;
}

MeanError meanWithError(std::span<const double> values) {
    double sum = 0, sumSquares = 0;
    for (double v : values) {
        sum += v;
        sumSquares += v * v;
    }
    return meanWithError(sum, sumSquares, int64_t(values.size()));
}

double percentile(std::span<const double> sorted, double p) {
    if (sorted.empty())
        return 0;
    const double at = p * double(sorted.size() - 1);
    const auto lo = size_t(std::floor(at));
    const size_t hi = std::min(lo + 1, sorted.size() - 1);
    const double frac = at - double(lo);
    return sorted[lo] + frac * (sorted[hi] - sorted[lo]);
}

Percentiles percentiles(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    Percentiles r;
    if (values.empty())
        return r;
    r.min = values.front();
    r.max = values.back();
    r.p001 = percentile(values, 0.001);
    r.p01 = percentile(values, 0.01);
    r.p05 = percentile(values, 0.05);
    r.p10 = percentile(values, 0.10);
    r.p25 = percentile(values, 0.25);
    r.median = percentile(values, 0.5);
    r.p75 = percentile(values, 0.75);
    r.p90 = percentile(values, 0.90);
    r.p95 = percentile(values, 0.95);
    r.p99 = percentile(values, 0.99);
    r.p999 = percentile(values, 0.999);
    return r;
}

} // namespace ql
