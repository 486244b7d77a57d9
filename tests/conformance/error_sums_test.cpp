// The error sums reduced on the Vulkan device (quantizeAndMeasure) against the host's
// double sums of the same quantization, for every format the device runs: each of
// sum w^2, q^2, (q-w)^2 within a relative 1e-6, sum w*q within 1e-6 of sqrt(w^2 q^2)
// (its Cauchy-Schwarz scale), max |q - w| within a relative 1e-6; the same bits on a
// rerun and whatever the chunking. The codes themselves must equal the reference.
#include "engine/compute/vulkan/vulkan_backend.h"
#include "tests/conformance/backends.h"
#include "tests/conformance/quantize_compare.h"
#include "tests/conformance/value_patterns.h"

#include <cmath>
#include <cstring>
#include <gtest/gtest.h>

namespace ql::test {
namespace {

constexpr double kRelative = 1e-6;

void expectClose(double device, double host, double scale, const char* what) {
    EXPECT_LE(std::fabs(device - host), kRelative * scale + 1e-30)
        << what << ": device " << device << ", host " << host;
}

void expectWithinTolerance(const ErrorSums& d, const ErrorSums& h) {
    expectClose(d.sumW2, h.sumW2, h.sumW2, "sum w^2");
    expectClose(d.sumQ2, h.sumQ2, h.sumQ2, "sum q^2");
    expectClose(d.sumWQ, h.sumWQ, std::sqrt(h.sumW2 * h.sumQ2), "sum w*q");
    expectClose(d.sumE2, h.sumE2, h.sumE2, "sum (q-w)^2");
    expectClose(d.maxAbsError, h.maxAbsError, h.maxAbsError, "max |q-w|");
}

bool sameBits(const ErrorSums& a, const ErrorSums& b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

struct Shape {
    int64_t rows, cols;
};

class DeviceErrorSums : public OwnVulkanBackend<::testing::TestWithParam<QuantFormat>> {};

TEST_P(DeviceErrorSums, MatchTheHostSums) {
    const QuantFormat format = GetParam();
    const Shape shapes[] = {{7, 128}, {17, 4096}, {3, 96}, {9, 4097}};
    int ran = 0;
    for (const Shape& s : shapes) {
        if (!m_vulkan->supports(format, s.rows, s.cols).ok)
            continue;
        for (Pattern pattern : allPatterns()) {
            SCOPED_TRACE(std::to_string(s.rows) + "x" + std::to_string(s.cols) + " " +
                         patternName(pattern));
            const auto src = makePattern(pattern, format, s.rows, s.cols);
            QuantizedTensor ref, out;
            quantizeReference(format, src, s.rows, s.cols, ref);
            const ErrorSums device = m_vulkan->quantizeAndMeasure(format, src, s.rows, s.cols, out);
            ASSERT_TRUE(sameQuantization(ref, out, src));
            expectWithinTolerance(device, errorSumsOnHost(src, out));
            QuantizedTensor again;
            EXPECT_TRUE(
                sameBits(device, m_vulkan->quantizeAndMeasure(format, src, s.rows, s.cols, again)))
                << "a rerun gave other bits";
            ++ran;
        }
    }
    if (ran == 0)
        GTEST_SKIP() << m_vulkan->supports(format, 3, 96).reason;
}

TEST_P(DeviceErrorSums, HoldAcrossChunks) {
    const QuantFormat format = GetParam();
    const int64_t rows = 37, cols = 4096;
    m_vulkan->setMaxBufferBytesForTesting(5 * cols * 4); // at most five rows of input
    if (Support s = m_vulkan->supports(format, rows, cols); !s.ok)
        GTEST_SKIP() << s.reason;
    const auto src = makePattern(Pattern::Outlier, format, rows, cols);
    QuantizedTensor out;
    const ErrorSums device = m_vulkan->quantizeAndMeasure(format, src, rows, cols, out);
    EXPECT_GT(m_vulkan->lastDispatchCount(), 1);
    expectWithinTolerance(device, errorSumsOnHost(src, out));
}

std::vector<QuantFormat> everyFormat() {
    std::vector<QuantFormat> all;
    for (const auto& info : quantFormats())
        all.push_back(info.format);
    return all;
}

INSTANTIATE_TEST_SUITE_P(EveryFormat, DeviceErrorSums, ::testing::ValuesIn(everyFormat()),
                         [](const ::testing::TestParamInfo<QuantFormat>& info) {
                             std::string name(quantFormatInfo(info.param).name);
                             for (char& c : name)
                                 c = (c == '-') ? '_' : c;
                             return name;
                         });

TEST(HostErrorSums, TheDefaultQuantizeAndMeasureIsTheHostSum) {
    auto cpu = makeCpuBackend(2);
    const auto src = makePattern(Pattern::Gaussian, QuantFormat::Q4_0, 5, 96);
    QuantizedTensor out;
    const ErrorSums sums = cpu->quantizeAndMeasure(QuantFormat::Q4_0, src, 5, 96, out);
    EXPECT_TRUE(sameBits(sums, errorSumsOnHost(src, out)));
    // Worked by hand: w = (3, -4), q = (2, -4): w^2 25, q^2 20, wq 22, e^2 1, max 1.
    QuantizedTensor q;
    q.resize(QuantFormat::Int8PerChannel, 1, 2);
    q.codes = {1, -2};
    q.scales = {2.0f};
    const std::vector<float> w{3.0f, -4.0f};
    const ErrorSums h = errorSumsOnHost(w, q);
    EXPECT_EQ(h.sumW2, 25.0);
    EXPECT_EQ(h.sumQ2, 20.0);
    EXPECT_EQ(h.sumWQ, 22.0);
    EXPECT_EQ(h.sumE2, 1.0);
    EXPECT_EQ(h.maxAbsError, 1.0);
}

} // namespace
} // namespace ql::test
