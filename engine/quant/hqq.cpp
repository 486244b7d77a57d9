#include "engine/quant/hqq.h"

#include "engine/core/half.h"
#include "engine/core/parallel.h"
#include "engine/quant/hqq_lanes.h"
#include "engine/quant/hqq_solver.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace ql {
namespace {

// Groups per thread below which threads cost more than they save.
constexpr int64_t kMinGroupsPerThread = 256;

std::vector<HqqGroup> initialGroups(std::span<const float> src, int64_t rows, int64_t cols,
                                    int group, float maxq, bool roundZero) {
    std::vector<HqqGroup> groups;
    groups.reserve(size_t(rows * ((cols + group - 1) / group)));
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t b = 0; b < cols; b += group)
            groups.push_back(hqqStartGroup(src.data(), r * cols + b,
                                           std::min<int64_t>(group, cols - b), maxq, roundZero));
    return groups;
}

// Whether groups [i, i + lanes) lie before `end` and have one length.
bool equalRun(const HqqGroup* groups, int64_t i, int lanes, int64_t end) {
    if (i + lanes > end)
        return false;
    for (int k = 1; k < lanes; ++k)
        if (groups[i + k].n != groups[i].n)
            return false;
    return true;
}

// One round over groups [begin, end): runs of 16 (AVX-512) or 8 (AVX2, also on AVX-512
// machines) equal-length groups go to the vector lanes of `level` (the same zeros and
// sums, hqq_lanes.h), the rest to hqqProximalRound.
void roundGroups(const float* x, HqqGroup* groups, float* groupError, int64_t begin, int64_t end,
                 float maxq, float beta, float p, float floor, SimdLevel level) {
    int64_t i = begin;
    while (i < end) {
        if (level == SimdLevel::Avx512 && equalRun(groups, i, hqq::avx512::kLanes, end)) {
            hqq::avx512::proximalRounds(x, groups + i, maxq, beta, p, floor, groupError + i);
            i += hqq::avx512::kLanes;
        } else if (level != SimdLevel::Scalar && equalRun(groups, i, hqq::avx2::kLanes, end)) {
            hqq::avx2::proximalRounds(x, groups + i, maxq, beta, p, floor, groupError + i);
            i += hqq::avx2::kLanes;
        } else {
            groupError[i] = hqqProximalRound(x, groups[i], maxq, beta, p, floor);
            ++i;
        }
    }
}

int solve(std::span<const float> src, std::vector<HqqGroup>& groups, float maxq,
          const HqqParams& params, int threads, SimdLevel level) {
    std::vector<float> groupError(groups.size());
    return hqqSolveRounds(params, int64_t(src.size()), [&](float beta, float floor) {
        parallelFor(int64_t(groups.size()), threads, kMinGroupsPerThread,
                    [&](int64_t begin, int64_t end) {
                        roundGroups(src.data(), groups.data(), groupError.data(), begin, end, maxq,
                                    beta, params.p, floor, level);
                    });
        double absError = 0.0;
        for (float e : groupError)
            absError += double(e);
        return absError;
    });
}

void storeCodes(std::span<const float> src, const std::vector<HqqGroup>& groups, float maxq,
                bool fp16Zeros, QuantizedTensor& out, int threads) {
    const float offset = float(codeOffset(quantFormatInfo(out.format)));
    parallelFor(
        int64_t(groups.size()), threads, kMinGroupsPerThread, [&](int64_t begin, int64_t end) {
            for (int64_t gi = begin; gi < end; ++gi) {
                const HqqGroup& g = groups[size_t(gi)];
                for (int64_t j = g.begin; j < g.begin + g.n; ++j)
                    out.codes[size_t(j)] = int8_t(hqqCode(src[size_t(j)], g, maxq) - offset);
                out.scales[size_t(gi)] = 1.0f / g.invStep;
                out.zeros[size_t(gi)] = hqqStoredZero(g.zero, fp16Zeros, offset);
            }
        });
}

int runHqq(QuantFormat storeAs, bool fp16Zeros, std::span<const float> src, int64_t rows,
           int64_t cols, int bits, int group, QuantizedTensor& out, const HqqParams& params,
           int threads, SimdLevel level) {
    const float maxq = float((1 << bits) - 1);
    std::vector<HqqGroup> groups = initialGroups(src, rows, cols, group, maxq, params.roundZero);
    const int rounds =
        solve(src, groups, maxq, params, threads, std::min(level, detectedSimdLevel()));
    out.resize(storeAs, rows, cols);
    out.backend = "ref";
    storeCodes(src, groups, maxq, fp16Zeros, out, threads);
    return rounds;
}

} // namespace

// A flat group (max == min) takes HQQ's clamp, 2e4: maxq / 0 is +inf there, except where
// the last of equal zeros is -0 and the first +0 (a masked row keeps the signs of the
// weights it zeroed): max - min is then -0, and HQQ's own formula, maxq / -0 = -inf below
// any clamp, would make the zero -0 * -inf = NaN and stop the whole tensor's solve.
HqqGroup hqqStartGroup(const float* x, int64_t begin, int64_t n, float maxq, bool roundZero) {
    const auto [lo, hi] = std::minmax_element(x + begin, x + begin + n);
    HqqGroup g{begin, n};
    const float range = *hi - *lo;
    g.invStep = range == 0.0f ? 2e4f : std::min(maxq / range, 2e4f);
    g.zero = -*lo * g.invStep;
    if (roundZero)
        g.zero = std::nearbyint(g.zero);
    return g;
}

float hqqCode(float x, const HqqGroup& g, float maxq) {
    return std::clamp(std::nearbyint(x * g.invStep + g.zero), 0.0f, maxq);
}

float hqqProximalRound(const float* x, HqqGroup& g, float maxq, float beta, float p, float floor) {
    float absError = 0.0f, zeroSum = 0.0f;
    for (int64_t j = g.begin; j < g.begin + g.n; ++j) {
        const float q = hqqCode(x[j], g, maxq);
        const float r = (q - g.zero) / g.invStep;
        const float t = x[j] - r;
        const float e = hqqShrink(t, beta, p, floor);
        zeroSum += q - (x[j] - e) * g.invStep;
        absError += std::fabs(t);
    }
    g.zero = zeroSum / float(g.n);
    return absError;
}

// HQQ's rule: a round's error (measured before its zero update) that is not strictly below
// the best so far ends the solve, keeping that round's updated zero (best starts at 1e4).
int hqqSolveRounds(const HqqParams& params, int64_t values,
                   const std::function<double(float beta, float floor)>& round) {
    double best = 1e4;
    float beta = params.beta;
    int rounds = 0;
    while (rounds < params.iterations) {
        const double absError = round(beta, hqqShrinkFloor(beta, params.p));
        beta *= params.kappa;
        ++rounds;
        const double mean = absError / double(values);
        if (params.earlyStop && !(mean < best))
            break;
        best = mean;
    }
    return rounds;
}

// HQQ keeps its zero in fp16 meta; one beyond fp16's range (a flat group of |w| > 3.3
// under the 2e4 step clamp) saturates instead of becoming infinite.
// A NaN zero (a group that starts with NaN) is stored as the one positive quiet NaN: its
// sign comes from whichever NaN operand x86 propagates in x * step + zero, and the lanes'
// code and the scalar code may order those operands differently.
float hqqStoredZero(float zero, bool fp16Zeros, float offset) {
    if (!fp16Zeros)
        return zero - offset;
    if (std::isnan(zero))
        return halfToFloat(floatToHalf(std::numeric_limits<float>::quiet_NaN())) - offset;
    return halfToFloat(floatToHalf(std::clamp(zero, -65504.0f, 65504.0f))) - offset;
}

float hqqShrinkFloor(float beta, float p) {
    const float y = p - 1.0f; // the exponent as hqqShrink forms it
    if (!(y < 0.0f) || !(beta > 0.0f) || !std::isfinite(beta))
        return 0.0f;
    const double threshold = std::pow(double(beta), -1.0 / (1.0 - double(y)));
    return float(threshold * (1.0 - 1e-4));
}

float hqqShrink(float t, float beta, float p) {
    return hqqShrink(t, beta, p, 0.0f);
}

float hqqShrink(float t, float beta, float p, float floor) {
    // HQQ's |t|^(p-1) is +inf at t = 0 (p < 1) and relu(0 - inf) gives 0: said directly
    // here, without the division by zero (a NaN residual gives 0 too).
    const float a = std::fabs(t);
    if (!(a > 0.0f) || a < floor)
        return 0.0f;
    const float cut = std::pow(a, p - 1.0f) / beta;
    return a > cut ? std::copysign(a - cut, t) : 0.0f;
}

bool isHqqFormat(QuantFormat format) {
    return quantFormatInfo(format).method == "hqq";
}

int quantizeHqq(QuantFormat format, std::span<const float> src, int64_t rows, int64_t cols,
                QuantizedTensor& out, const HqqParams& params, int threads, SimdLevel lanes) {
    const auto& info = quantFormatInfo(format);
    if (!isHqqFormat(format) || info.groupSize <= 0)
        throw std::invalid_argument("quantizeHqq: " + std::string(info.name) +
                                    " is not an HQQ format");
    return runHqq(format, true, src, rows, cols, info.bits, info.groupSize, out,
                  hqqFormatParams(format, params), threads, lanes);
}

HqqParams hqqFormatParams(QuantFormat format, const HqqParams& base) {
    HqqParams asConfigured = base; // BaseQuantizeConfig's round_zero (hqq.h)
    asConfigured.roundZero = base.roundZero || hqqRoundsZero(format);
    return asConfigured;
}

bool hqqRoundsZero(QuantFormat format) {
    return isHqqFormat(format) && quantFormatInfo(format).bits == 4;
}

int quantizeHqq(std::span<const float> src, int64_t rows, int64_t cols, int bits, int group,
                QuantizedTensor& out, const HqqParams& params) {
    const auto format = intRtnFormat(bits, group, QuantScheme::Asym);
    if (!format || group <= 0)
        throw std::invalid_argument("quantizeHqq: no asymmetric INT grid of " +
                                    std::to_string(bits) + " bits, group " + std::to_string(group));
    return runHqq(*format, false, src, rows, cols, bits, group, out, params, 1, SimdLevel::Scalar);
}

} // namespace ql
