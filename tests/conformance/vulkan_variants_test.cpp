// The Vulkan kernels under the choices a GPU makes, on whatever device this is (lavapipe
// here): device-local buffers with staging copies (QUANTLENS_VULKAN_FORCE_STAGING=1) and
// the cooperative one-subgroup-per-group layout (QUANTLENS_VULKAN_GROUP_LAYOUT=
// cooperative), each alone and together; and each of the shaders' division paths forced
// (QUANTLENS_VULKAN_DIVISION=long, =estimate), whichever the device picks. Every format the device
// runs, over shapes with partial groups, several chunks and every value pattern, must give the
// reference's codes, scales and zero points bit for bit, and device error sums equal to the host's
// within the tolerance of error_sums_test.cpp. The whole suite can also be run under
// these variables; this file keeps the variants covered when it is not.
#include "engine/compute/vulkan/vulkan_backend.h"
#include "tests/conformance/backends.h"
#include "tests/conformance/environment_variable.h"
#include "tests/conformance/quantize_compare.h"
#include "tests/conformance/value_patterns.h"

#include <cmath>
#include <gtest/gtest.h>
#include <map>
#include <memory>

namespace ql::test {
namespace {

enum class Variant { Staged, Cooperative, StagedCooperative, LongDivision, EstimateDivision };

std::string variantName(Variant v) {
    switch (v) {
    case Variant::Staged:
        return "staged";
    case Variant::Cooperative:
        return "cooperative";
    case Variant::StagedCooperative:
        return "staged_cooperative";
    case Variant::LongDivision:
        return "long_division";
    case Variant::EstimateDivision:
        return "estimate_division";
    }
    return "?";
}

bool staged(Variant v) {
    return v == Variant::Staged || v == Variant::StagedCooperative;
}
bool cooperative(Variant v) {
    return v == Variant::Cooperative || v == Variant::StagedCooperative;
}

// One backend per variant for the process, made under the variant's variables.
VulkanBackend* backendFor(Variant v) {
    static std::map<Variant, VulkanProbe> probes;
    auto it = probes.find(v);
    if (it == probes.end()) {
        EnvironmentVariable staging("QUANTLENS_VULKAN_FORCE_STAGING", staged(v) ? "1" : "0");
        EnvironmentVariable layout("QUANTLENS_VULKAN_GROUP_LAYOUT",
                                   cooperative(v) ? "cooperative" : "per-invocation");
        // The other variants keep the device's own division path.
        EnvironmentVariable division("QUANTLENS_VULKAN_DIVISION",
                                     v == Variant::LongDivision       ? "long"
                                     : v == Variant::EstimateDivision ? "estimate"
                                                                      : "");
        it = probes.emplace(v, makeVulkanBackend()).first;
    }
    return dynamic_cast<VulkanBackend*>(it->second.backend.get());
}

struct Shape {
    int64_t rows, cols;
};

using Case = std::tuple<QuantFormat, Variant>;

class VulkanVariant : public ::testing::TestWithParam<Case> {
protected:
    void SetUp() override {
        QL_REQUIRE_VULKAN();
        const auto& [format, variant] = GetParam();
        m_vulkan = backendFor(variant);
        ASSERT_NE(m_vulkan, nullptr);
        if (cooperative(variant) && !m_vulkan->cooperativeGroups())
            GTEST_SKIP() << "this device has no subgroup arithmetic in compute shaders: "
                         << m_vulkan->kernelChoices();
        if (!m_vulkan->supports(format, 4, 256).ok)
            GTEST_SKIP() << m_vulkan->supports(format, 4, 256).reason;
    }
    void TearDown() override {
        if (!m_vulkan)
            return;
        m_vulkan->setMaxBufferBytesForTesting(0);
        // These backends have instances of their own, which ValidationCheck does not see.
        if (m_vulkan->validationEnabled()) {
            EXPECT_EQ(m_vulkan->validationErrors(), 0) << "see the validation messages on stderr";
        }
    }
    VulkanBackend* m_vulkan = nullptr;
};

TEST_P(VulkanVariant, ReportsItsChoices) {
    const auto& [format, variant] = GetParam();
    // Not forced, the placement is the device's own (staged on a discrete GPU).
    if (staged(variant)) {
        EXPECT_TRUE(m_vulkan->stagedMemory()) << m_vulkan->kernelChoices();
    }
    EXPECT_EQ(m_vulkan->cooperativeGroups(), cooperative(variant)) << m_vulkan->kernelChoices();
    const std::string choices = m_vulkan->kernelChoices();
    if (variant == Variant::LongDivision) {
        EXPECT_NE(choices.find("divisions by long division"), std::string::npos) << choices;
    }
    if (variant == Variant::EstimateDivision) {
        EXPECT_NE(choices.find("divisions from a proven estimate"), std::string::npos) << choices;
    }
}

TEST_P(VulkanVariant, MatchesTheReference) {
    const auto& [format, variant] = GetParam();
    // Partial last groups, rows that are not whole words, whole 32-value blocks, whole
    // 256-value super-blocks (an odd number of them).
    const Shape shapes[] = {{7, 127}, {4, 129}, {3, 384}, {5, 1028}, {3, 768}};
    int ran = 0;
    for (const Shape& s : shapes) {
        if (!m_vulkan->supports(format, s.rows, s.cols).ok)
            continue;
        for (Pattern pattern : allPatterns()) {
            const auto src = makePattern(pattern, format, s.rows, s.cols);
            QuantizedTensor ref, out;
            quantizeReference(format, src, s.rows, s.cols, ref);
            m_vulkan->quantize(format, src, s.rows, s.cols, out);
            EXPECT_TRUE(sameQuantization(ref, out, src))
                << s.rows << "x" << s.cols << " " << patternName(pattern);
            ++ran;
        }
    }
    EXPECT_GT(ran, 0) << "no shape ran";
}

// Two rows per dispatch: several submissions, each with its own copies (and, for the
// per-tensor formats, a range pass over every chunk before the first is quantized).
TEST_P(VulkanVariant, MatchesTheReferenceInChunks) {
    const auto& [format, variant] = GetParam();
    const Shape s{9, 512};
    m_vulkan->setMaxBufferBytesForTesting(2 * 512 * 4 + 600);
    if (!m_vulkan->supports(format, s.rows, s.cols).ok)
        GTEST_SKIP() << m_vulkan->supports(format, s.rows, s.cols).reason;
    const auto src = makePattern(Pattern::Outlier, format, s.rows, s.cols);
    QuantizedTensor ref, out;
    quantizeReference(format, src, s.rows, s.cols, ref);
    const ErrorSums sums = m_vulkan->quantizeAndMeasure(format, src, s.rows, s.cols, out);
    EXPECT_GT(m_vulkan->lastDispatchCount(), 4);
    EXPECT_TRUE(sameQuantization(ref, out, src));
    const ErrorSums host = errorSumsOnHost(src, out);
    EXPECT_LE(std::fabs(sums.sumE2 - host.sumE2), 1e-6 * host.sumE2 + 1e-30);
    EXPECT_LE(std::fabs(sums.sumW2 - host.sumW2), 1e-6 * host.sumW2 + 1e-30);
    EXPECT_LE(std::fabs(sums.maxAbsError - host.maxAbsError), 1e-6 * host.maxAbsError + 1e-30);
}

std::vector<Case> variantCases() {
    std::vector<Case> cases;
    for (const auto& info : quantFormats())
        for (Variant v : {Variant::Staged, Variant::Cooperative, Variant::StagedCooperative,
                          Variant::LongDivision, Variant::EstimateDivision})
            cases.emplace_back(info.format, v);
    return cases;
}

std::string caseName(const ::testing::TestParamInfo<Case>& info) {
    std::string name(quantFormatInfo(std::get<0>(info.param)).name);
    for (char& c : name)
        c = (c == '-') ? '_' : c;
    return name + "_" + variantName(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(Variants, VulkanVariant, ::testing::ValuesIn(variantCases()), caseName);

} // namespace
} // namespace ql::test
