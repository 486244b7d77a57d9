#include "bench/bench_inputs.h"

#include <cmath>
#include <random>

namespace ql::bench {

const std::vector<float>& importance4096() {
    static const std::vector<float> w = [] {
        std::vector<float> v(4096);
        std::mt19937 rng(8);
        std::uniform_real_distribution<float> decade(-3.0f, 3.0f);
        for (auto& x : v)
            x = std::pow(10.0f, decade(rng));
        return v;
    }();
    return w;
}

} // namespace ql::bench
