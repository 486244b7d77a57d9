#include "engine/score/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

namespace ql::score {

const char* statMethodLabel(StatMethod method) {
    switch (method) {
    case StatMethod::PairedBootstrap:
        return "paired bootstrap";
    case StatMethod::PairedBootstrapMcNemar:
        return "paired bootstrap + McNemar exact";
    case StatMethod::NormalStderr:
        return "unpaired normal approx (reported stderr)";
    case StatMethod::TwoProportion:
        return "unpaired normal approx (two-proportion)";
    case StatMethod::None:
        return "delta only (no n)";
    }
    return "";
}

uint64_t SplitMix64::next() {
    uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t SplitMix64::below(uint64_t bound) {
    return next() % bound;
}

double normalCdf(double z) {
    return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

double twoSidedNormalP(double z) {
    return std::min(1.0, 2.0 * normalCdf(-std::fabs(z)));
}

double normalQuantile(double p) {
    // Bisection on the CDF: slow but exact to 1e-12 and free of approximation tables.
    double lo = -40.0, hi = 40.0;
    for (int i = 0; i < 200; ++i) {
        const double mid = 0.5 * (lo + hi);
        (normalCdf(mid) < p ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}

double mcnemarExactP(int64_t b, int64_t c) {
    const int64_t n = b + c;
    if (n == 0)
        return 1.0;
    const int64_t k = std::min(b, c);
    // Sum C(n, i) / 2^n for i <= k in log space, so large n neither overflows nor underflows.
    double tail = 0.0;
    for (int64_t i = 0; i <= k; ++i) {
        const double logTerm = std::lgamma(double(n) + 1) - std::lgamma(double(i) + 1) -
                               std::lgamma(double(n - i) + 1) - double(n) * std::log(2.0);
        tail += std::exp(logTerm);
    }
    return std::min(1.0, 2.0 * tail);
}

namespace {

double quantileSorted(const std::vector<double>& sorted, double q) {
    // Linear interpolation between order statistics (type 7), deterministic.
    const double pos = q * double(sorted.size() - 1);
    const size_t i = size_t(std::floor(pos));
    const size_t j = std::min(i + 1, sorted.size() - 1);
    return sorted[i] + (pos - double(i)) * (sorted[j] - sorted[i]);
}

bool binary(const std::vector<double>& v) {
    return std::all_of(v.begin(), v.end(), [](double x) { return x == 0.0 || x == 1.0; });
}

struct Paired {
    std::vector<double> base, var;
};

Paired pairExamples(const ScoreCell& baseline, const ScoreCell& variant) {
    std::unordered_map<std::string, double> byId;
    for (const auto& e : baseline.examples)
        byId.emplace(e.id, e.value);
    Paired p;
    for (const auto& e : variant.examples) {
        const auto it = byId.find(e.id);
        if (it == byId.end())
            continue;
        p.base.push_back(it->second);
        p.var.push_back(e.value);
    }
    return p;
}

void comparePaired(const Paired& p, const StatsOptions& o, Comparison& c) {
    c.pairs = int64_t(p.base.size());
    c.baseline = std::accumulate(p.base.begin(), p.base.end(), 0.0) / double(c.pairs);
    c.value = std::accumulate(p.var.begin(), p.var.end(), 0.0) / double(c.pairs);
    c.delta = c.value - c.baseline;
    const auto [lo, hi] =
        pairedBootstrapCi(p.base, p.var, o.confidence, o.bootstrapResamples, o.seed);
    c.ciLow = lo;
    c.ciHigh = hi;
    if (binary(p.base) && binary(p.var)) {
        for (size_t i = 0; i < p.base.size(); ++i) {
            c.discordantB += (p.base[i] == 1.0 && p.var[i] == 0.0);
            c.discordantC += (p.base[i] == 0.0 && p.var[i] == 1.0);
        }
        c.pValue = mcnemarExactP(c.discordantB, c.discordantC);
        c.method = StatMethod::PairedBootstrapMcNemar;
        return;
    }
    c.method = StatMethod::PairedBootstrap;
}

void compareNormal(double se, double pooledSe, const StatsOptions& o, Comparison& c) {
    const double z = normalQuantile(0.5 + o.confidence / 2.0);
    c.ciLow = c.delta - z * se;
    c.ciHigh = c.delta + z * se;
    c.pValue = pooledSe > 0.0 ? twoSidedNormalP(c.delta / pooledSe) : (c.delta == 0.0 ? 1.0 : 0.0);
}

bool proportion(double x) {
    return x >= 0.0 && x <= 1.0;
}

} // namespace

std::pair<double, double> pairedBootstrapCi(const std::vector<double>& baseline,
                                            const std::vector<double>& variant, double confidence,
                                            int resamples, uint64_t seed) {
    const size_t n = baseline.size();
    std::vector<double> diff(n);
    for (size_t i = 0; i < n; ++i)
        diff[i] = variant[i] - baseline[i];
    SplitMix64 rng(seed);
    std::vector<double> means(size_t(std::max(resamples, 1)));
    for (auto& m : means) {
        double sum = 0.0;
        for (size_t i = 0; i < n; ++i)
            sum += diff[rng.below(n)];
        m = sum / double(n);
    }
    std::sort(means.begin(), means.end());
    const double alpha = 1.0 - confidence;
    return {quantileSorted(means, alpha / 2.0), quantileSorted(means, 1.0 - alpha / 2.0)};
}

Comparison compareCells(const ScoreCell& baseline, const ScoreCell& variant,
                        const StatsOptions& options) {
    Comparison c;
    if (!baseline.examples.empty() && !variant.examples.empty()) {
        const Paired p = pairExamples(baseline, variant);
        if (!p.base.empty()) {
            comparePaired(p, options, c);
            return c;
        }
    }
    c.baseline = baseline.score;
    c.value = variant.score;
    c.delta = variant.score - baseline.score;
    if (baseline.stdError && variant.stdError) {
        const double se = std::hypot(*baseline.stdError, *variant.stdError);
        compareNormal(se, se, options, c);
        c.method = StatMethod::NormalStderr;
    } else if (baseline.n > 0 && variant.n > 0 && proportion(baseline.score) &&
               proportion(variant.score)) {
        const double p1 = baseline.score, p2 = variant.score;
        const double n1 = double(baseline.n), n2 = double(variant.n);
        const double se = std::sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2);
        const double pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
        const double pooledSe = std::sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
        compareNormal(se, pooledSe, options, c);
        c.method = StatMethod::TwoProportion;
    }
    return c;
}

std::vector<double> holmAdjust(const std::vector<double>& p) {
    const size_t m = p.size();
    std::vector<size_t> order(m);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });
    std::vector<double> out(m);
    double running = 0.0;
    for (size_t k = 0; k < m; ++k) {
        running = std::max(running, std::min(1.0, double(m - k) * p[order[k]]));
        out[order[k]] = running;
    }
    return out;
}

std::vector<double> benjaminiHochbergAdjust(const std::vector<double>& p) {
    const size_t m = p.size();
    std::vector<size_t> order(m);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });
    std::vector<double> out(m);
    double running = 1.0;
    for (size_t k = m; k-- > 0;) {
        running = std::min(running, std::min(1.0, p[order[k]] * double(m) / double(k + 1)));
        out[order[k]] = running;
    }
    return out;
}

} // namespace ql::score
