#pragma once
// Gaussian weights for tests: n values of N(0, sigma^2) from std::mt19937(seed), the same
// sequence on every run of one standard library.
#include <cstddef>
#include <random>
#include <vector>

namespace ql::test {

inline std::vector<float> gaussianWeights(size_t n, float sigma, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.0f, sigma);
    std::vector<float> w(n);
    for (auto& v : w)
        v = d(rng);
    return w;
}

} // namespace ql::test
