// Every format in the table on the rows that break quantizers: all zeros, a constant,
// tiny values beside 6e4, and values on exact rounding ties. Reference and CPU agree,
// nothing turns into NaN or Inf, zeros stay zero, and a constant row comes back close.
#include "engine/compute/backend.h"
#include "engine/core/error.h"
#include "engine/quant/metrics.h"

#include <cmath>
#include <gtest/gtest.h>
#include <iostream>
#include <limits>

namespace ql {
namespace {

constexpr int64_t kCols = 256, kRows = 3;

enum class Edge { Zeros, Constant, TinyWith6e4, Ties, NegativeConstant, SmallestNormals };

// kRows copies of one edge row, so per-tensor formats see the same statistics as per-row.
std::vector<float> edgeTensor(Edge e) {
    std::vector<float> w(size_t(kRows * kCols), 0.0f);
    for (int64_t j = 0; j < kRows * kCols; ++j) {
        const int64_t c = j % kCols;
        float& x = w[size_t(j)];
        switch (e) {
        case Edge::Zeros:
            break;
        case Edge::Constant:
            x = 0.3f;
            break;
        case Edge::TinyWith6e4:
            x = c % 64 == 0 ? 6e4f : 1e-6f * float(c % 7 - 3);
            break;
        case Edge::Ties: // halves: exact ties on every grid whose step is a power of two
            x = float(c % 17 - 8) * 0.5f;
            break;
        case Edge::NegativeConstant:
            x = -1.75f;
            break;
        case Edge::SmallestNormals:
            x = std::numeric_limits<float>::min() * float(c % 5);
            break;
        }
    }
    return w;
}

bool sameResult(const QuantizedTensor& a, const QuantizedTensor& b) {
    return a.codes == b.codes && a.scales == b.scales && a.zeros == b.zeros &&
           a.packed == b.packed && a.doubleQuant.codes == b.doubleQuant.codes;
}

// Grids whose positive end stops short of the absmax (compressed-tensors' absmax/7.5 with
// codes up to 7, GPTQ's 2*xmax/15 with zero 8) clip the extreme by up to one half step.
float extremeTolerance(const QuantFormatInfo& info) {
    const bool halfRange =
        info.scheme == QuantScheme::SymHalfRange || info.scheme == QuantScheme::SymGptq;
    return halfRange ? 1.0f / float((1 << info.bits) - 1) + 1e-3f : 2e-3f; // + fp16 scale
}

void checkEdge(const QuantFormatInfo& info, Edge e, const std::vector<float>& w,
               const std::vector<float>& d) {
    const float tol = extremeTolerance(info);
    for (size_t i = 0; i < d.size(); ++i) {
        ASSERT_TRUE(std::isfinite(d[i])) << info.name << " element " << i;
        switch (e) {
        case Edge::Zeros:
            ASSERT_EQ(d[i], 0.0f) << info.name << ": a zero row must stay zero";
            break;
        case Edge::Constant: // its own absmax: held to the scale's storage precision
            if (info.scheme != QuantScheme::SymGptq) { // GPTQ: xmin = 0 clips (tested apart)
                ASSERT_NEAR(d[i], w[i], std::fabs(w[i]) * tol) << info.name;
            }
            break;
        case Edge::NegativeConstant:
            ASSERT_NEAR(d[i], w[i], std::fabs(w[i]) * tol) << info.name;
            break;
        case Edge::TinyWith6e4:
            if (w[i] > 1.0f)
                ASSERT_NEAR(d[i], w[i], w[i] * std::max(tol, 2e-3f)) << info.name;
            else // tiny values may vanish, but never grow beyond a step of 6e4's grid
                ASSERT_LE(std::fabs(d[i]), 6e4f / 2.0f) << info.name;
            break;
        case Edge::Ties:
        case Edge::SmallestNormals:
            ASSERT_LE(std::fabs(d[i] - w[i]), 4.0f * 0.5f) << info.name; // within absmax
            break;
        }
    }
}

TEST(FormatEdges, EveryFormatHandlesEdgeRows) {
    auto cpu = makeCpuBackend(2);
    for (Edge e : {Edge::Zeros, Edge::Constant, Edge::TinyWith6e4, Edge::Ties,
                   Edge::NegativeConstant, Edge::SmallestNormals}) {
        const auto w = edgeTensor(e);
        for (const auto& info : quantFormats()) {
            if (fallbackFormat(info.format, kCols) != info.format)
                continue; // a row length the format cannot hold is stored as its fallback
            QuantizedTensor ref, got;
            quantizeReference(info.format, w, kRows, kCols, ref);
            cpu->quantize(info.format, w, kRows, kCols, got);
            EXPECT_TRUE(sameResult(ref, got)) << info.name << " edge " << int(e);
            checkEdge(info, e, w, ref.dequantize());
        }
    }
}

// The integer code range around zero, in steps, that the scheme's scale puts the group's
// extremes on, as [lo, hi] (hand-worked from each scheme's rule in quantize.h).
struct StepSpan {
    double lo, hi;
};
StepSpan stepSpan(const QuantFormatInfo& info) {
    const double levels = double((1 << info.bits) - 1);
    switch (info.scheme) {
    case QuantScheme::SymAbsmax: // scale = absmax / qmax
        return {-double(info.qmax), double(info.qmax)};
    case QuantScheme::SymHalfRange: // scale = absmax / ((2^n - 1) / 2)
    case QuantScheme::SymGptq:      // scale = 2 xmax / (2^n - 1), zero 2^(n-1)
        return {-levels / 2.0, levels / 2.0};
    default: // Asym: scale = (max - min) / (2^n - 1), zero = round(-min / scale)
        return {-double(1 << (info.bits - 1)), double((1 << (info.bits - 1)) - 1)};
    }
}

// Exact ties on every RTN grid: each group holds its extremes at lo and hi steps of 0.125
// (so every scheme's scale is exactly 0.125 and its zero point an integer) and, between
// them, values at k + 0.5 steps. Each must decode to the even neighbour (round half to
// even: torch.round, nearbyint, GLSL roundEven), whatever the group size or scope.
TEST(FormatEdges, RtnTiesRoundHalfToEvenOnEveryGrid) {
    constexpr double kStep = 0.125;
    int formats = 0;
    for (const auto& info : quantFormats()) {
        if (info.method != "rtn" || info.kind != QuantKind::Rtn ||
            (info.scheme != QuantScheme::SymAbsmax && info.scheme != QuantScheme::SymHalfRange &&
             info.scheme != QuantScheme::SymGptq && info.scheme != QuantScheme::Asym))
            continue;
        const StepSpan span = stepSpan(info);
        const int64_t group = info.groupSize == 0 ? kCols : info.groupSize;
        const int kLo = int(std::ceil(span.lo)), kHi = int(std::floor(span.hi)) - 1;
        std::vector<float> w(size_t(kRows * kCols));
        std::vector<double> expected(w.size());
        for (int64_t j = 0; j < kRows * kCols; ++j) {
            const int64_t c = j % group;
            const double steps = c == 0   ? span.lo
                                 : c == 1 ? span.hi
                                          : double(kLo + int(c % (kHi - kLo + 1))) + 0.5;
            w[size_t(j)] = float(steps * kStep);
            expected[size_t(j)] = std::nearbyint(steps) * kStep;
        }
        QuantizedTensor q;
        quantizeReference(info.format, w, kRows, kCols, q);
        const auto d = q.dequantize();
        for (size_t j = 0; j < d.size(); ++j) {
            if (j % size_t(group) < 2)
                continue; // the extremes may clip (half-range grids)
            ASSERT_EQ(double(d[j]), expected[j])
                << info.name << " element " << j << ": " << w[j] / kStep << " steps";
        }
        ++formats;
    }
    std::cout << "[ ties ] " << formats << " RTN formats\n";
    EXPECT_GE(formats, 40); // the symmetric, half-range, GPTQ and asymmetric families
}

} // namespace
} // namespace ql
