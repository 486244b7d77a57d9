#include "engine/quant/hqq.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace ql {
namespace {

// One group of HQQ's state: inverse step and (unshifted) zero point.
struct HqqGroup {
    int64_t begin = 0, n = 0;
    float invStep = 0.0f, zero = 0.0f;
};

float shrink(float t, float beta, float p) {
    const float a = std::fabs(t);
    const float cut = std::pow(a + 1e-8f, p - 1.0f) / beta;
    return a > cut ? std::copysign(a - cut, t) : 0.0f;
}

float code(float x, const HqqGroup& g, float maxq) {
    return std::clamp(std::nearbyint(x * g.invStep + g.zero), 0.0f, maxq);
}

// HQQ's initial min/max grid (its scale clamp at 2e4 keeps flat groups finite).
HqqGroup initialGroup(const float* x, int64_t begin, int64_t n, float maxq) {
    const auto [lo, hi] = std::minmax_element(x + begin, x + begin + n);
    HqqGroup g{begin, n};
    g.invStep = std::min(maxq / (*hi - *lo), 2e4f);
    g.zero = -*lo * g.invStep;
    return g;
}

// One proximal round over a group: updates its zero; returns sum |x - r| before it.
double proximalRound(const float* x, HqqGroup& g, float maxq, float beta, float p) {
    double absError = 0.0, zeroSum = 0.0;
    for (int64_t j = g.begin; j < g.begin + g.n; ++j) {
        const float q = code(x[j], g, maxq);
        const float r = (q - g.zero) / g.invStep;
        const float e = shrink(x[j] - r, beta, p);
        zeroSum += double(q - (x[j] - e) * g.invStep);
        absError += std::fabs(double(x[j] - r));
    }
    g.zero = float(zeroSum / double(g.n));
    return absError;
}

} // namespace

int quantizeHqq(std::span<const float> src, int64_t rows, int64_t cols, int bits, int group,
                QuantizedTensor& out, const HqqParams& params) {
    const auto format = intRtnFormat(bits, group, QuantScheme::Asym);
    if (!format || group <= 0)
        throw std::invalid_argument("quantizeHqq: no asymmetric INT grid of " +
                                    std::to_string(bits) + " bits, group " + std::to_string(group));
    const float maxq = float((1 << bits) - 1);
    std::vector<HqqGroup> groups;
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t b = 0; b < cols; b += group)
            groups.push_back(
                initialGroup(src.data(), r * cols + b, std::min<int64_t>(group, cols - b), maxq));
    double best = 1e4;
    float beta = params.beta;
    int rounds = 0;
    while (rounds < params.iterations) {
        double absError = 0.0;
        for (auto& g : groups)
            absError += proximalRound(src.data(), g, maxq, beta, params.p);
        beta *= params.kappa;
        ++rounds;
        const double mean = absError / double(src.size());
        if (!(mean < best))
            break;
        best = mean;
    }
    const auto& info = quantFormatInfo(*format);
    const float offset = float(codeOffset(info));
    out.resize(*format, rows, cols);
    out.backend = "ref";
    for (size_t gi = 0; gi < groups.size(); ++gi) {
        const HqqGroup& g = groups[gi];
        for (int64_t j = g.begin; j < g.begin + g.n; ++j)
            out.codes[size_t(j)] = int8_t(code(src[size_t(j)], g, maxq) - offset);
        out.scales[gi] = 1.0f / g.invStep;
        out.zeros[gi] = g.zero - offset;
    }
    return rounds;
}

} // namespace ql
