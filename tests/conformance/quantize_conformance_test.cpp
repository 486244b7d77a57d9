// Every format x backend x odd shape x value pattern, in the manner of ncnn's testutil
// and ggml's test-backend-ops: the reference is checked against the contract, every
// other backend against the reference, and codes and scales must be identical.
// A backend that cannot run a case is a skip that says why, never a pass.
#include "tests/conformance/backends.h"
#include "tests/conformance/quantize_compare.h"
#include "tests/conformance/value_patterns.h"

#include "engine/quant/imatrix_quantize.h"

#include <cmath>
#include <gtest/gtest.h>
#include <tuple>
#include <vector>

namespace ql {
// gtest finds this by argument-dependent lookup when it prints a failing case.
inline void PrintTo(QuantFormat f, std::ostream* os) {
    *os << quantFormatInfo(f).name;
}
} // namespace ql

namespace ql::test {
namespace {

struct Shape {
    int64_t rows, cols;
};
void PrintTo(const Shape& s, std::ostream* os) {
    *os << s.rows << "x" << s.cols;
}

// Odd shapes for the grids; {3, 96} and {17, 4096} are whole 32- and 256-value blocks.
const Shape kShapes[] = {{1, 1},  {1, 31},  {3, 33},  {7, 127},  {5, 4097}, {127, 4097},
                         {2, 32}, {3, 128}, {4, 129}, {64, 172}, {3, 96},   {17, 4096}};

// The formats whose reference implements the symmetric grid of quantize.h, so that the
// suite's own oracle (quantize_compare.h) can check the reference itself.
bool hasContractOracle(QuantFormat format) {
    const auto& info = quantFormatInfo(format);
    return info.kind == QuantKind::Rtn && info.method == "rtn" &&
           info.scheme == QuantScheme::SymAbsmax && !info.perTensor && info.bits >= 2 &&
           info.bits <= 8 && info.qmax == (1 << (info.bits - 1)) - 1;
}

using Case = std::tuple<QuantFormat, std::string, Shape, Pattern>;

class QuantizeConformance : public ::testing::TestWithParam<Case> {};

// A tensor left over from an earlier, larger job: the backend must resize it exactly.
QuantizedTensor staleOutput() {
    QuantizedTensor out;
    out.resize(QuantFormat::Int4G128, 9, 700);
    std::fill(out.codes.begin(), out.codes.end(), int8_t(0x55));
    std::fill(out.scales.begin(), out.scales.end(), -1.0f);
    out.backend = "stale";
    return out;
}

TEST_P(QuantizeConformance, MatchesReference) {
    const auto& [format, backendName, shape, pattern] = GetParam();
    const auto src = makePattern(pattern, format, shape.rows, shape.cols);
    QuantizedTensor ref;
    quantizeReference(format, src, shape.rows, shape.cols, ref);
    ASSERT_FALSE(ref.codes.empty() && ref.packed.empty()) << "an empty reference proves nothing";
    if (backendName == "ref") {
        EXPECT_EQ(ref.backend, "ref");
        EXPECT_TRUE(
            sameQuantization(contractOracle(format, src, shape.rows, shape.cols), ref, src));
        return;
    }
    if (backendName == "vulkan")
        QL_REQUIRE_VULKAN();
    ComputeBackend& backend = *backendByName(backendName);
    if (Support s = backend.supports(format, shape.rows, shape.cols); !s.ok)
        GTEST_SKIP() << backendName << " does not run this case: " << s.reason;
    QuantizedTensor out = staleOutput();
    backend.quantize(format, src, shape.rows, shape.cols, out);
    // The label names the backend, plus any step the host finished (vulkan: nf4-dq's
    // absmax double quantization, kernel_choice.cpp).
    EXPECT_EQ(out.backend.rfind(backend.label(), 0), 0u) << out.backend;
    EXPECT_TRUE(sameQuantization(ref, out, src));
}

std::string caseName(const ::testing::TestParamInfo<Case>& info) {
    const auto& [format, backend, shape, pattern] = info.param;
    std::string name(quantFormatInfo(format).name);
    for (char& c : name)
        c = (c == '-') ? '_' : c;
    return name + "_" + backend + "_" + std::to_string(shape.rows) + "x" +
           std::to_string(shape.cols) + "_" + patternName(pattern);
}

// Every format of the table (it grows: formats added later join without an edit here) x
// backend x shape x pattern. Left out, because they are not cases: a block format on a
// row that is not a whole number of blocks (the job stores such rows in the fallback
// format, whose own cases are here), and the reference of a format without an oracle
// (its goldens live in tests/engine).
std::vector<Case> allCases() {
    std::vector<Case> cases;
    for (const auto& info : quantFormats())
        for (const auto& backend : backendNames())
            for (const Shape& shape : kShapes)
                for (Pattern pattern : allPatterns()) {
                    if (shape.cols % blockMultiple(info.format) != 0)
                        continue;
                    if (backend == "ref" && !hasContractOracle(info.format))
                        continue;
                    cases.emplace_back(info.format, backend, shape, pattern);
                }
    return cases;
}

INSTANTIATE_TEST_SUITE_P(AllBackends, QuantizeConformance, ::testing::ValuesIn(allCases()),
                         caseName);

// With an importance vector (llama.cpp's imatrix), for every format that takes one: the
// CPU and Vulkan backends against quantizeWithImportance on one thread. The vector spans
// 1e-3..1e3 with every seventh column 0 (a dead input channel).
class ImportanceConformance : public ::testing::TestWithParam<Case> {};

std::vector<float> importanceFor(int64_t cols) {
    std::vector<float> w(static_cast<size_t>(cols));
    for (int64_t j = 0; j < cols; ++j)
        w[size_t(j)] = j % 7 == 3 ? 0.0f : std::pow(10.0f, float(j % 13) / 2.0f - 3.0f);
    return w;
}

TEST_P(ImportanceConformance, MatchesReference) {
    const auto& [format, backendName, shape, pattern] = GetParam();
    const auto src = makePattern(pattern, format, shape.rows, shape.cols);
    const auto importance = importanceFor(shape.cols);
    QuantizedTensor ref;
    quantizeWithImportance(format, src, shape.rows, shape.cols, importance, ref, 1);
    if (backendName == "vulkan")
        QL_REQUIRE_VULKAN();
    ComputeBackend& backend = *backendByName(backendName);
    if (Support s = backend.supportsImportance(format, shape.rows, shape.cols); !s.ok)
        GTEST_SKIP() << backendName << " does not run this case: " << s.reason;
    QuantizedTensor out = staleOutput();
    backend.quantizeWithImportance(format, src, shape.rows, shape.cols, {importance, {}}, out);
    EXPECT_EQ(out.backend.rfind(backend.label(), 0), 0u) << out.backend;
    EXPECT_EQ(out.packed, ref.packed);
}

std::vector<Case> importanceCases() {
    std::vector<Case> cases;
    for (const auto& info : quantFormats())
        for (const auto& backend : backendNames())
            for (const Shape& shape : kShapes)
                for (Pattern pattern : allPatterns())
                    if (takesImportance(info.format) && backend != "ref" &&
                        shape.cols % blockMultiple(info.format) == 0)
                        cases.emplace_back(info.format, backend, shape, pattern);
    return cases;
}

INSTANTIATE_TEST_SUITE_P(AllBackends, ImportanceConformance, ::testing::ValuesIn(importanceCases()),
                         caseName);

} // namespace
} // namespace ql::test
