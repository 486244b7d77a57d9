#include "tests/conformance/value_patterns.h"

#include "engine/quant/fp8.h"
#include "engine/quant/nf4.h"
#include "engine/quant/rtn_schemes.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace ql::test {
namespace {

// A small LCG: the same values on every platform and standard library.
class Lcg {
public:
    explicit Lcg(uint64_t seed)
        : m_state(seed * 6364136223846793005ull + 1442695040888963407ull) {}
    float uniform() { // [0, 1)
        m_state = m_state * 6364136223846793005ull + 1442695040888963407ull;
        return float(m_state >> 40) / float(1ull << 24);
    }
    float gaussian() { // Irwin-Hall: sum of four uniforms, unit variance
        return (uniform() + uniform() + uniform() + uniform() - 2.0f) * 1.7320508f;
    }

private:
    uint64_t m_state;
};

int64_t groupLength(QuantFormat format, int64_t cols) {
    const int g = quantFormatInfo(format).groupSize;
    return g == 0 ? cols : g;
}

void fillTies(std::vector<float>& x, QuantFormat format, int64_t rows, int64_t cols) {
    // Formats without an integer grid (FP8: qmax 0) get the int4 grid's half steps.
    const int qmax = quantFormatInfo(format).qmax > 0 ? quantFormatInfo(format).qmax : 7;
    const int64_t group = groupLength(format, cols);
    for (int64_t r = 0; r < rows; ++r) {
        // A power-of-two scale makes scale, inv and (k + 0.5) * scale * inv all exact.
        const float scale = std::ldexp(1.0f, int(r % 5) - 2);
        for (int64_t c = 0; c < cols; ++c) {
            const int k = int((r * 7 + c) % (2 * qmax)) - qmax; // -qmax .. qmax-1
            x[size_t(r * cols + c)] = (float(k) + 0.5f) * scale;
        }
        for (int64_t c = 0; c < cols; c += group) // every group's absmax is qmax * scale
            x[size_t(r * cols + c)] = (c / group) % 2 ? -float(qmax) * scale : float(qmax) * scale;
    }
}

bool dividesEachWeight(QuantFormat format) {
    const auto& info = quantFormatInfo(format);
    return info.kind == QuantKind::Rtn &&
           (info.scheme == QuantScheme::SymHalfRange || info.scheme == QuantScheme::SymGptq ||
            info.scheme == QuantScheme::Asym);
}

// The schemes whose reference divides each weight by the scale (GPTQ, asymmetric,
// compressed-tensors) round x / scale, and their scales are not powers of two, so the
// exact ties of fillTies are not ties for them. Here each group gets a range (its first
// two weights), the scale the reference derives from it (groupParams), and weights at
// (k + 0.5) * scale, up to 3 f32 ulps either side: x / scale then lies within a few ulps
// of a half-integer, where a shader that rounds x * (1 / scale) instead of the IEEE
// quotient lands on the other integer.
void fillQuotientTies(std::vector<float>& x, QuantFormat format, int64_t rows, int64_t cols) {
    const auto& info = quantFormatInfo(format);
    const int64_t group = groupLength(format, cols);
    for (int64_t r = 0; r < rows; ++r) {
        // Per tensor, the scale is the tensor's: every row has the same range then.
        const int64_t v = info.perTensor ? 0 : r;
        const float pow2 = std::ldexp(1.0f, int(v % 5) - 2);
        const float lo = -pow2 * (1.0f + float(v % 3) / 3.0f); // not a power of two
        const float hi = pow2 * (1.3f + float(v % 4) / 7.0f);
        const float scale = groupParams(info, RangeStats{lo, hi, std::max(-lo, hi)}).scale;
        for (int64_t begin = 0; begin < cols; begin += group) {
            const int64_t end = std::min(cols, begin + group);
            float* g = &x[size_t(r * cols + begin)];
            g[0] = lo;
            if (end - begin > 1)
                g[1] = hi;
            const int kLow = int(std::ceil(lo / scale)), kHigh = int(std::floor(hi / scale)) - 1;
            for (int64_t c = 2; c < end - begin; ++c) {
                const int k = kLow + int((r * 5 + c) % std::max(1, kHigh - kLow + 1));
                float w = (float(k) + 0.5f) * scale;
                const int step = int((r + c) % 7) - 3;
                for (int s = 0; s < std::abs(step); ++s)
                    w = std::nextafter(w, step < 0 ? -INFINITY : INFINITY);
                g[c] = std::clamp(w, lo, hi);
            }
        }
    }
}

// NF4/FP4 have no integer grid either: a code is the number of bnb's thresholds below
// x / absmax (for FP4, below |x| / absmax), and a value exactly on a threshold takes the
// lower code. With a power-of-two absmax, x = threshold * absmax is exact and so is
// x * (1 / absmax): weights on every threshold, and 1 ulp either side.
void fillCodeBookTies(std::vector<float>& x, QuantFormat format, int64_t rows, int64_t cols) {
    const bool nf4 = quantFormatInfo(format).scheme == QuantScheme::Nf4;
    std::vector<float> thresholds;
    if (nf4)
        thresholds.assign(nf4Thresholds().begin(), nf4Thresholds().end());
    else
        thresholds.assign(fp4Thresholds().begin(), fp4Thresholds().end());
    const int64_t block = groupLength(format, cols);
    for (int64_t r = 0; r < rows; ++r) {
        const float absmax = std::ldexp(1.0f, int(r % 5) - 2);
        for (int64_t c = 0; c < cols; ++c) {
            const size_t t = size_t(r * 3 + c) % thresholds.size();
            float v = thresholds[t] * absmax;
            const int step = int((r + c / 7) % 3) - 1; // on it, or 1 ulp below or above
            if (step != 0)
                v = std::nextafter(v, step < 0 ? -INFINITY : INFINITY);
            x[size_t(r * cols + c)] = !nf4 && (r + c) % 2 ? -v : v;
        }
        for (int64_t c = 0; c < cols; c += block) // each block's absmax
            x[size_t(r * cols + c)] = (c / block) % 2 ? -absmax : absmax;
    }
}

// FP8 has no integer grid: its ties are the midpoints between neighbouring FP8 values.
// Each row's absmax sets its scale: a power of two on even rows (x / scale is exact, so
// midpoints are exact ties) and not on odd ones (x / scale rounds to f32 first, and the
// reference rounds again to FP8: a backend that divides another way lands on the other
// side). Around each midpoint times the scale, values up to 3 f32 ulps either side.
void fillFp8Ties(std::vector<float>& x, QuantFormat format, int64_t rows, int64_t cols) {
    const std::string_view name = quantFormatInfo(format).name;
    const Fp8Kind kind = name.substr(0, 8) == "fp8-e4m3" ? Fp8Kind::E4M3FN : Fp8Kind::E5M2;
    const float maxFinite = fp8MaxFinite(kind);
    const int maxCode = floatToFp8(maxFinite, kind);
    for (int64_t r = 0; r < rows; ++r) {
        const float pow2 = std::ldexp(1.0f, int(r % 5) - 2);
        const float absmax = maxFinite * (r % 2 ? pow2 * (1.0f + float(r % 7 + 1) / 9.0f) : pow2);
        const float scale = absmax / maxFinite;
        for (int64_t c = 0; c < cols; ++c) {
            const int code = int((r * 13 + c * 5) % maxCode); // 0 .. maxCode - 1
            const float mid =
                0.5f * (fp8ToFloat(uint8_t(code), kind) + fp8ToFloat(uint8_t(code + 1), kind));
            float v = mid * scale;
            const int step = int(c % 7) - 3;
            for (int k = 0; k < std::abs(step); ++k)
                v = std::nextafter(v, step < 0 ? 0.0f : absmax);
            x[size_t(r * cols + c)] = (r + c) % 2 ? -v : v;
        }
        x[size_t(r * cols)] = absmax; // the row's largest magnitude, so its scale
    }
}

} // namespace

const std::vector<Pattern>& allPatterns() {
    static const std::vector<Pattern> all{Pattern::Gaussian,    Pattern::Zeros, Pattern::Constant,
                                          Pattern::TinyAndHuge, Pattern::Ties,  Pattern::Outlier,
                                          Pattern::SignedZeros};
    return all;
}

std::string patternName(Pattern p) {
    switch (p) {
    case Pattern::Gaussian:
        return "gaussian";
    case Pattern::Zeros:
        return "zeros";
    case Pattern::Constant:
        return "constant";
    case Pattern::TinyAndHuge:
        return "tiny_and_huge";
    case Pattern::Ties:
        return "ties";
    case Pattern::Outlier:
        return "outlier";
    case Pattern::SignedZeros:
        return "signed_zeros";
    }
    return "unknown";
}

std::vector<float> makePattern(Pattern p, QuantFormat format, int64_t rows, int64_t cols) {
    std::vector<float> x(size_t(rows * cols), 0.0f);
    Lcg rng(uint64_t(rows * 1000003 + cols));
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t c = 0; c < cols; ++c) {
            float& v = x[size_t(r * cols + c)];
            switch (p) {
            case Pattern::Gaussian:
            case Pattern::Outlier:
                v = 0.02f * rng.gaussian();
                break;
            case Pattern::Zeros:
                break;
            case Pattern::Constant:
                v = (r % 2 ? -0.37f : 0.37f) * float(r + 1);
                break;
            case Pattern::TinyAndHuge:
                v = (c % 17 == 5) ? 6.0e4f : std::ldexp(rng.uniform() + 0.5f, -int(c % 15) - 9);
                v = rng.uniform() < 0.5f ? -v : v;
                break;
            case Pattern::Ties:
                break;
            case Pattern::SignedZeros: // even groups end on -0 when their first value is +0
                v = (r + c) % 2 ? -0.0f : 0.0f;
                break;
            }
        }
        if (p == Pattern::Outlier)
            x[size_t(r * cols + (r * 7919) % cols)] = r % 2 ? -1.0e4f : 1.0e4f;
    }
    if (p == Pattern::Ties && quantFormatInfo(format).name.substr(0, 4) == "fp8-")
        fillFp8Ties(x, format, rows, cols);
    else if (p == Pattern::Ties &&
             (quantFormatInfo(format).scheme == QuantScheme::Nf4 ||
              quantFormatInfo(format).scheme == QuantScheme::Fp4) &&
             quantFormatInfo(format).kind == QuantKind::Rtn)
        fillCodeBookTies(x, format, rows, cols);
    else if (p == Pattern::Ties && dividesEachWeight(format))
        fillQuotientTies(x, format, rows, cols);
    else if (p == Pattern::Ties)
        fillTies(x, format, rows, cols);
    return x;
}

} // namespace ql::test
