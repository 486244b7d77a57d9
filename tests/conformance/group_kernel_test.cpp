// The Vulkan kernels of the unpacked formats beyond the symmetric per-row grids
// (engine/compute/vulkan/group_kernel.*): the tables the shaders mirror, per-tensor scales
// reduced over every chunk, tie rules worked by hand (GPTQ/asym round half to even, the
// bitsandbytes thresholds taking the lower code), the all-positive-group quirk of GPTQ's
// grids, and the label of the host/device split. The conformance matrix
// (quantize_conformance_test.cpp) runs every format x shape x pattern besides.
#include "engine/compute/vulkan/group_kernel.h"
#include "engine/compute/vulkan/vulkan_backend.h"
#include "engine/quant/nf4.h"
#include "shaders/shader_registry.h"
#include "tests/conformance/backends.h"
#include "tests/conformance/quantize_compare.h"
#include "tests/conformance/value_patterns.h"

#include <bit>
#include <cmath>
#include <gtest/gtest.h>

namespace ql::test {
namespace {

template <size_t N> void expectMirrors(const char* name, const std::array<float, N>& engine) {
    const auto shader = shaders::mirroredTable(name);
    ASSERT_EQ(shader.size(), N) << name << " is missing from the shaders or has another length";
    for (size_t i = 0; i < N; ++i)
        EXPECT_EQ(shader[i], std::bit_cast<uint32_t>(engine[i])) << name << "[" << i << "]";
}

TEST(ShaderMirror, CodeBooksAndThresholdsAreTheEnginesBits) {
    expectMirrors("QL_NF4_THRESHOLD_BITS", nf4Thresholds());
    expectMirrors("QL_FP4_THRESHOLD_BITS", fp4Thresholds());
    expectMirrors("QL_NF4_CODE_BOOK_BITS", nf4CodeBook());
    expectMirrors("QL_FP4_CODE_BOOK_BITS", fp4CodeBook());
    std::array<float, 16> iq4nl{};
    for (size_t i = 0; i < iq4nl.size(); ++i)
        iq4nl[i] = float(kIQ4NLValues[i]);
    expectMirrors("QL_IQ4NL_VALUE_BITS", iq4nl);
    const auto ranks = shaders::mirroredTable("QL_FP4_CODE_OF_RANK");
    ASSERT_EQ(ranks.size(), fp4CodeOfRank().size());
    for (size_t i = 0; i < ranks.size(); ++i)
        EXPECT_EQ(ranks[i], fp4CodeOfRank()[i]) << i;
}

TEST(ShaderMirror, SchemeNumbersAreTheHosts) {
    const std::pair<const char*, QuantScheme> schemes[] = {
        {"QL_SCHEME_SYM_ABSMAX", QuantScheme::SymAbsmax},
        {"QL_SCHEME_SYM_HALF_RANGE", QuantScheme::SymHalfRange},
        {"QL_SCHEME_SYM_GPTQ", QuantScheme::SymGptq},
        {"QL_SCHEME_ASYM", QuantScheme::Asym},
        {"QL_SCHEME_NF4", QuantScheme::Nf4},
        {"QL_SCHEME_FP4", QuantScheme::Fp4},
    };
    for (const auto& [name, scheme] : schemes) {
        const auto value = shaders::mirroredTable(name);
        ASSERT_EQ(value.size(), 1u) << name;
        EXPECT_EQ(value[0], uint32_t(vk::groupScheme(scheme))) << name;
    }
}

QuantFormat formatNamed(const char* name) {
    const auto f = quantFormatFromName(name);
    if (!f)
        throw std::logic_error(std::string("no format ") + name);
    return *f;
}

// A backend of its own, so that test limits do not leak into the shared one.
class GroupKernelTest : public OwnVulkanBackend<::testing::Test> {
protected:
    // The device's result, after checking it equals the reference's.
    QuantizedTensor quantizeBoth(QuantFormat format, const std::vector<float>& src, int64_t rows,
                                 int64_t cols) {
        QuantizedTensor ref, out;
        quantizeReference(format, src, rows, cols, ref);
        EXPECT_TRUE(m_vulkan->supports(format, rows, cols).ok)
            << m_vulkan->supports(format, rows, cols).reason;
        m_vulkan->quantize(format, src, rows, cols, out);
        EXPECT_TRUE(sameQuantization(ref, out, src)) << quantFormatInfo(format).name;
        return out;
    }
};

// The one scale of a per-tensor format comes from every chunk: the outlier sits in the
// last rows, so a scale taken over the first chunk alone would give other codes.
TEST_F(GroupKernelTest, PerTensorScaleSpansEveryChunk) {
    const int64_t rows = 23, cols = 129;
    m_vulkan->setMaxBufferBytesForTesting(4 * cols * 4); // four rows of input per chunk
    for (const char* name :
         {"int8-tensor", "int4-tensor-asym", "int2-tensor", "fp8-e4m3-tensor", "fp8-e5m2-tensor"}) {
        SCOPED_TRACE(name);
        const QuantFormat format = formatNamed(name);
        auto src = makePattern(Pattern::Gaussian, format, rows, cols);
        src[size_t((rows - 1) * cols + 5)] = 3.5f;
        src[size_t((rows - 2) * cols + 7)] = -5.25f;
        const QuantizedTensor out = quantizeBoth(format, src, rows, cols);
        const int64_t chunks = (rows + 3) / 4;
        EXPECT_EQ(m_vulkan->lastDispatchCount(), 2 * chunks) << "a range pass, then a quantize "
                                                                "pass, per chunk";
        if (!out.scales.empty()) { // one scale, repeated in every row's slot
            EXPECT_EQ(out.scales.front(), out.scales.back());
        }
    }
}

TEST_F(GroupKernelTest, PerTensorInOneChunkIsOneSubmissionOfTwoDispatches) {
    const QuantFormat format = formatNamed("int4-tensor");
    const auto src = makePattern(Pattern::Outlier, format, 9, 300);
    quantizeBoth(format, src, 9, 300);
    EXPECT_EQ(m_vulkan->lastDispatchCount(), 2);
}

// Worked by hand. Row 0: min 0, max 15s, so scale = s and zero = 0, and every x / scale is
// k + 0.5: half to even gives 0, 2, 2, 4, 4, ... Row 1: min -2.5s, max 12.5s: scale s,
// zero = round(2.5) = 2 (to even), codes round(k + 0.5) + 2.
TEST_F(GroupKernelTest, AsymmetricTiesRoundHalfToEven) {
    const QuantFormat format = formatNamed("int4-asym");
    const float s = 0.125f;
    std::vector<float> src;
    for (int row = 0; row < 2; ++row) {
        const float lo = row == 0 ? 0.0f : -2.5f * s;
        src.push_back(lo);
        src.push_back(lo + 15.0f * s);
        for (int k = 0; k < 14; ++k)
            src.push_back(lo + (float(k) + 0.5f) * s);
    }
    const QuantizedTensor out = quantizeBoth(format, src, 2, 16);
    EXPECT_EQ(out.scales[0], s);
    EXPECT_EQ(out.scales[1], s);
    EXPECT_EQ(out.zeros[0], 0.0f - 8.0f); // stored minus the code offset 8, as the codes
    EXPECT_EQ(out.zeros[1], 2.0f - 8.0f);
    for (int k = 0; k < 14; ++k) {
        const int even = int(std::nearbyint(float(k) + 0.5f));
        EXPECT_EQ(out.codes[size_t(2 + k)], even - 8) << k;
        const int shifted = int(std::nearbyint(float(k) + 0.5f - 2.5f)) + 2;
        EXPECT_EQ(out.codes[size_t(16 + 2 + k)], shifted - 8) << k;
    }
}

// GPTQ's symmetric grid keeps xmin = 0 for a group without negatives, so its codes use
// only the upper half (8..15): scale = max / 15, zero 8.
TEST_F(GroupKernelTest, GptqAllPositiveGroupUsesTheUpperHalf) {
    const QuantFormat format = formatNamed("int4-g128-gptq");
    std::vector<float> src(128);
    for (size_t i = 0; i < src.size(); ++i)
        src[i] = 0.75f * float(i) / 127.0f;
    const QuantizedTensor out = quantizeBoth(format, src, 1, 128);
    EXPECT_EQ(out.scales[0], 0.75f / 15.0f);
    EXPECT_EQ(out.zeros[0], 0.0f);       // zero 8, stored minus the offset 8
    EXPECT_EQ(out.codes.front(), 0);     // x = 0: code 8
    EXPECT_EQ(out.codes.back(), 15 - 8); // x = max: round(15) + 8, clamped to 15
}

// A value exactly on a bitsandbytes threshold takes the lower code (x > threshold tests).
// With absmax 1 the scaled values are the thresholds themselves.
TEST_F(GroupKernelTest, CodeBookThresholdsTakeTheLowerCode) {
    for (const char* name : {"nf4", "fp4"}) {
        SCOPED_TRACE(name);
        const QuantFormat format = formatNamed(name);
        const bool nf = format == QuantFormat::Nf4;
        std::vector<float> src(64, 0.0f);
        src[0] = 1.0f;
        size_t n = 1;
        if (nf)
            for (float t : nf4Thresholds())
                src[n++] = t;
        else
            for (float t : fp4Thresholds()) {
                src[n++] = t;
                src[n++] = -t;
            }
        const QuantizedTensor out = quantizeBoth(format, src, 1, 64);
        EXPECT_EQ(out.scales[0], 1.0f);
        for (size_t i = 1; i < n; ++i)
            EXPECT_EQ(out.codes[i], int8_t(nf ? nf4Code(src[i]) : fp4Code(src[i]))) << src[i];
        if (nf) {
            EXPECT_EQ(out.codes[1], 0) << "on the lowest threshold: code 0, not 1";
        }
    }
}

TEST_F(GroupKernelTest, ZeroBlocksFollowBitsandbytes) {
    // absmax 0: inv = inf, 0 * inf = NaN, which takes code 0 in both trees.
    for (const char* name : {"nf4", "fp4", "nf4-dq", "int3-g32-asym", "int8-ct"}) {
        SCOPED_TRACE(name);
        const QuantFormat format = formatNamed(name);
        std::vector<float> src(3 * 128, 0.0f);
        src[200] = -0.0f;
        quantizeBoth(format, src, 3, 128);
    }
}

// Groups of subnormal weights: every quantity of these schemes is computed in integers on
// the device, so a device that flushes denormals (lavapipe does) still gives the
// reference's scales, zero points and codes, including zero and subnormal scales.
TEST_F(GroupKernelTest, SubnormalGroupsAreExact) {
    const int64_t rows = 4, cols = 128;
    std::vector<float> src(size_t(rows * cols));
    for (int64_t i = 0; i < rows * cols; ++i) {
        const int64_t r = i / cols, c = i % cols;
        const float tiny = std::ldexp(float((c * 37) % 23) - 11.0f, -140 - int(r)); // subnormal
        src[size_t(i)] = r == 3 && c % 32 == 0 ? std::ldexp(1.0f, -120) : tiny;     // row 3: mixed
    }
    for (const char* name : {"int4-g32-asym", "int8-asym", "int2-g64-asym", "int4-g128-gptq",
                             "int8-ct", "int4-g128-ct", "int4-tensor-asym", "int3-tensor",
                             "fp8-e4m3-tensor", "fp8-e5m2-tensor"}) {
        SCOPED_TRACE(name);
        quantizeBoth(formatNamed(name), src, rows, cols);
    }
}

TEST_F(GroupKernelTest, DoubleQuantizationIsNamedInTheLabel) {
    const auto src = makePattern(Pattern::Gaussian, QuantFormat::Nf4Dq, 8, 512);
    QuantizedTensor dq = quantizeBoth(QuantFormat::Nf4Dq, src, 8, 512);
    EXPECT_EQ(dq.backend, m_vulkan->label() + " + host (absmax double quantization)");
    QuantizedTensor plain = quantizeBoth(QuantFormat::Nf4, src, 8, 512);
    EXPECT_EQ(plain.backend, m_vulkan->label());
    EXPECT_EQ(dq.doubleQuant.codes.size(), dq.scales.size());
}

TEST_F(GroupKernelTest, ChunksByDispatchRows) {
    m_vulkan->setMaxRowsPerDispatchForTesting(3);
    for (const char* name : {"int4-g32-asym", "nf4", "int8-ct", "int4-g128-gptq"}) {
        SCOPED_TRACE(name);
        const QuantFormat format = formatNamed(name);
        quantizeBoth(format, makePattern(Pattern::Outlier, format, 10, 300), 10, 300);
        EXPECT_EQ(m_vulkan->lastDispatchCount(), 4);
    }
}

} // namespace
} // namespace ql::test
