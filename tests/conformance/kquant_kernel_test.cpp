// The searched-format shaders (shaders/quantize_q2_k.comp, quantize_q3_k.comp, quantize_k4.comp,
// quantize_q6_k.comp, quantize_iq4_nl.comp, quantize_q4_k_lsq.comp) beyond the conformance matrix,
// whose only super-block shape is 17 x 4096: weights whose sub-blocks span ten orders of magnitude
// (so that every candidate of ggml's searches wins somewhere and the sub-block scales take
// every value), odd block counts (partial workgroups, a block ending mid-word), chunked
// dispatches, the device's error sums, and the blocks handed to the host: non-finite
// values, magnitudes beyond each shader's range, and (Q6_K) sub-blocks below 2^-22 or (the
// others) subnormal inputs and searches whose products underflow. Every case is
// byte-identical to the reference encoder; in-range data must not touch the host at all.
#include "engine/compute/vulkan/vulkan_backend.h"
#include "tests/common/golden_files.h"
#include "tests/common/test_data.h"
#include "tests/conformance/backends.h"
#include "tests/conformance/quantize_compare.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <gtest/gtest.h>
#include <iostream>
#include <limits>
#include <random>

namespace ql::test {
namespace {

class KQuantKernelTest : public OwnVulkanBackend<::testing::TestWithParam<QuantFormat>> {
protected:
    // Quantizes on the device and on the reference; returns the device's host blocks.
    uint64_t expectIdentical(const std::vector<float>& src, int64_t rows, int64_t cols) {
        QuantizedTensor ref, out;
        quantizeReference(GetParam(), src, rows, cols, ref);
        m_vulkan->quantize(GetParam(), src, rows, cols, out);
        EXPECT_TRUE(sameQuantization(ref, out, src)) << rows << " x " << cols;
        EXPECT_EQ(out.backend.rfind(m_vulkan->label(), 0), 0u) << out.backend;
        return m_vulkan->lastHostBlocks();
    }
};

// Each sub-block of 16 gets its own amplitude, log-uniform over [2^-17, 2^15], and its own
// shape (gaussian, uniform, one spike, integers, a constant), so that the 19 candidate
// scales, the super-block's choice of its largest scale and the int8 rounding all vary.
// Q3_K's refinement compares products of four sums (x^8 in the weights' scale), so its
// in-range amplitudes span 2^-9 to 2^8 rather than 2^-17 to 2^15.
std::vector<float> wideRangeWeights(int64_t rows, int64_t cols, uint32_t seed, QuantFormat format) {
    const bool narrow = format == QuantFormat::Q3_K;
    std::mt19937 rng(seed);
    std::normal_distribution<float> gauss(0.0f, 1.0f);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    std::uniform_int_distribution<int> exponent(narrow ? -8 : -16, narrow ? 7 : 14);
    std::uniform_int_distribution<int> shape(0, 4);
    std::vector<float> x(size_t(rows * cols));
    for (size_t sub = 0; sub < x.size() / 16; ++sub) {
        const float amplitude = std::ldexp(1.0f + 0.5f * uniform(rng), exponent(rng));
        const int kind = shape(rng);
        for (size_t i = 0; i < 16; ++i) {
            float v = kind == 0   ? gauss(rng)
                      : kind == 1 ? uniform(rng)
                      : kind == 2 ? (i == 7 ? 4.0f : 0.01f * gauss(rng))
                      : kind == 3 ? std::round(8.0f * uniform(rng)) / 8.0f
                                  : 0.75f;
            x[sub * 16 + i] = amplitude * v;
        }
    }
    return x;
}

TEST_P(KQuantKernelTest, MatchesTheReferenceOverTenOrdersOfMagnitude) {
    // 1, 3, 5 and 7 super-blocks per dispatch leave workgroups partly empty and, with an
    // odd count, the last block ending in the middle of a word.
    const std::pair<int64_t, int64_t> shapes[] = {{1, 256}, {3, 256},  {5, 256},  {1, 1792},
                                                  {7, 768}, {64, 512}, {33, 2304}};
    uint32_t seed = 1;
    for (const auto& [rows, cols] : shapes) {
        const auto src = wideRangeWeights(rows, cols, seed++, GetParam());
        EXPECT_EQ(expectIdentical(src, rows, cols), 0u)
            << "in-range weights must be encoded by the shader, not the host";
    }
}

TEST_P(KQuantKernelTest, MatchesTheReferenceOnTrainedLikeWeights) {
    std::mt19937 rng(11);
    std::normal_distribution<float> gauss(0.0f, 0.02f);
    std::vector<float> src(size_t(256 * 1024));
    for (auto& v : src)
        v = gauss(rng);
    for (size_t i = 0; i < src.size(); i += 997) // a few outliers, as real layers have
        src[i] *= 40.0f;
    EXPECT_EQ(expectIdentical(src, 256, 1024), 0u);
}

// One case at a time: a clean super-block of trained-like weights with one change. The
// static rules (non-finite, the first magnitude outside) hand it to the host in every
// shader; underflow is each shader's own matter: Q6_K proves its range from the
// sub-block's largest magnitude (a 1e-9 sub-block is outside, a subnormal or 1e-20 value
// next to 1e-3 is not: it gets code 0 and exact zero terms), the others check every step
// (x^2 or w x of 1e-20 underflows; a subnormal input is refused from its bits), except
// q4_k-lsq, whose squares and products of tiny values are fused into sums of normal size
// (exact_fma.glsl never rounds the product alone, so nothing underflows: 0 host blocks).
TEST_P(KQuantKernelTest, HandsBlocksOutsideItsRangeToTheHost) {
    const QuantFormat format = GetParam();
    const bool q6 = format == QuantFormat::Q6_K;
    const bool lsq = format == QuantFormat::Q4_KLsq;
    const float high = q6 ? 262144.0f : 1048576.0f; // 2^18, 2^20: the first magnitude outside
    const auto hostBlocksWith = [&](const std::function<void(std::vector<float>&)>& change) {
        std::mt19937 rng(7);
        std::normal_distribution<float> gauss(0.0f, 0.02f);
        std::vector<float> src(256);
        for (auto& v : src)
            v = gauss(rng);
        change(src);
        return expectIdentical(src, 1, 256);
    };
    EXPECT_EQ(hostBlocksWith([](auto&) {}), 0u);
    EXPECT_EQ(hostBlocksWith([](auto& x) { x[3] = std::numeric_limits<float>::quiet_NaN(); }), 1u);
    EXPECT_EQ(hostBlocksWith([](auto& x) { x[200] = std::numeric_limits<float>::infinity(); }), 1u);
    EXPECT_EQ(hostBlocksWith([](auto& x) { x[17] = -std::numeric_limits<float>::infinity(); }), 1u);
    EXPECT_EQ(hostBlocksWith([](auto& x) { x[40] = 1e30f; }), 1u);
    EXPECT_EQ(hostBlocksWith([&](auto& x) { x[0] = high; }), 1u);
    EXPECT_EQ(hostBlocksWith([](auto& x) {
                  x[32] = 1e-3f;
                  for (int i = 33; i < 48; ++i)
                      x[size_t(i)] = 1e-20f * float(i - 40);
              }),
              q6 || lsq ? 0u : 1u);
    EXPECT_EQ(hostBlocksWith([](auto& x) { x[9] = 1e-40f; }), q6 ? 0u : 1u);
    const uint64_t tiny = hostBlocksWith([](auto& x) {
        for (int i = 32; i < 48; ++i)
            x[size_t(i)] = 1e-9f * float(i - 40);
    });
    if (q6) {
        EXPECT_EQ(tiny, 1u) << "a sub-block in [1e-15, 2^-22)";
    }
    // Just inside the static bound: Q6_K's and the asymmetric searches' sums stay finite;
    // Q3_K's and IQ4_NL's comparisons of squared sums may overflow, and then go to the
    // host by their own check. Bytes identical either way (expectIdentical).
    const uint64_t inside = hostBlocksWith([&](auto& x) { x[255] = std::nextafter(high, 0.0f); });
    if (format != QuantFormat::Q3_K && format != QuantFormat::IQ4_NL) {
        EXPECT_EQ(inside, 0u);
    }

    // Several at once: the label counts them.
    auto src = wideRangeWeights(3, 256, 99, format);
    for (auto& v : src)
        v = std::clamp(v, -1000.0f, 1000.0f);
    src[5] = std::numeric_limits<float>::quiet_NaN();
    src[256 + 77] = 1e30f;
    EXPECT_EQ(expectIdentical(src, 3, 256), 2u);
    QuantizedTensor out;
    m_vulkan->quantize(format, src, 3, 256, out);
    const std::string unit = format == QuantFormat::IQ4_NL ? " blocks" : " super-blocks";
    EXPECT_NE(out.backend.find("2" + unit + " outside the shader's exact range"), std::string::npos)
        << out.backend;
}

TEST_P(KQuantKernelTest, ZeroAndNearZeroSuperBlocksAreAllZeroBytes) {
    std::vector<float> src(size_t(4 * 256), 0.0f);
    for (int i = 256; i < 512; ++i)
        src[size_t(i)] = 1e-16f; // below ggml's GROUP_MAX_EPS: an all-zero sub-block
    src[600] = -0.0f;
    const uint64_t host = expectIdentical(src, 1, 1024);
    // Q4_K/Q5_K's search on 1e-16 values underflows (w * diff^2 < 2^-149), so that super-
    // block may go to the host; the all-zero ones never do.
    EXPECT_LE(host, GetParam() == QuantFormat::Q6_K ? 0u : 1u);
}

TEST_P(KQuantKernelTest, ChunksAndDeviceErrorSumsIncludeTheHostsBlocks) {
    const int64_t rows = 24, cols = 1024;
    auto src = wideRangeWeights(rows, cols, 5, GetParam());
    for (auto& v : src)
        v = std::clamp(v, -1000.0f, 1000.0f);
    src[size_t(20 * cols + 5)] = 1.5e6f; // a host block in a later chunk (beyond 2^18, 2^20)
    m_vulkan->setMaxBufferBytesForTesting(uint64_t(5 * cols) * 4 + 64); // 5 rows a dispatch
    QuantizedTensor ref, out;
    quantizeReference(GetParam(), src, rows, cols, ref);
    const ErrorSums sums = m_vulkan->quantizeAndMeasure(GetParam(), src, rows, cols, out);
    EXPECT_GT(m_vulkan->lastDispatchCount(), 4);
    EXPECT_EQ(m_vulkan->lastHostBlocks(), 1u);
    EXPECT_TRUE(sameQuantization(ref, out, src));
    const ErrorSums host = errorSumsOnHost(src, ref);
    const auto close = [](double a, double b) { return std::fabs(a - b) <= 1e-6 * std::fabs(b); };
    EXPECT_TRUE(close(sums.sumW2, host.sumW2)) << sums.sumW2 << " vs " << host.sumW2;
    EXPECT_TRUE(close(sums.sumQ2, host.sumQ2)) << sums.sumQ2 << " vs " << host.sumQ2;
    EXPECT_TRUE(close(sums.sumWQ, host.sumWQ)) << sums.sumWQ << " vs " << host.sumWQ;
    EXPECT_TRUE(close(sums.sumE2, host.sumE2)) << sums.sumE2 << " vs " << host.sumE2;
    EXPECT_TRUE(close(sums.maxAbsError, host.maxAbsError));
}

TEST_P(KQuantKernelTest, DeviceErrorSumsMatchTheHostOnInRangeWeights) {
    const int64_t rows = 16, cols = 4096;
    const auto src = wideRangeWeights(rows, cols, 21, GetParam());
    QuantizedTensor out;
    const ErrorSums sums = m_vulkan->quantizeAndMeasure(GetParam(), src, rows, cols, out);
    EXPECT_EQ(m_vulkan->lastHostBlocks(), 0u);
    const ErrorSums host = errorSumsOnHost(src, out);
    EXPECT_NEAR(sums.sumE2, host.sumE2, 1e-6 * host.sumE2);
    EXPECT_NEAR(sums.sumWQ, host.sumWQ, 1e-6 * std::fabs(host.sumWQ));
    EXPECT_NEAR(sums.maxAbsError, host.maxAbsError, 1e-6 * host.maxAbsError);
}

// The device against llama.cpp's own bytes (golden/quant: llama-quantize's encoder on the
// same inputs, without an importance matrix), not only against our reference: Q4_K, Q6_K
// and IQ4_NL on gaussian, outlier and edge-case inputs and on real stories260K matrices
// (as they are for IQ4_NL, reshaped to rows of 256 for all). (No Q5_K golden exists; it
// shares Q4_K's search.)
TEST(KQuantKernelGolden, DeviceBytesAreLlamaCppBytes) {
    QL_REQUIRE_DATA();
    QL_REQUIRE_VULKAN();
    auto* vulkan = dynamic_cast<VulkanBackend*>(vulkanProbe().backend.get());
    ASSERT_NE(vulkan, nullptr);
    const auto dir = test::dataDir() / "golden" / "quant";
    int compared = 0;
    for (QuantFormat format : {QuantFormat::Q4_K, QuantFormat::Q6_K, QuantFormat::IQ4_NL}) {
        const std::string type(dtypeInfo(quantFormatInfo(format).storage).name);
        for (const test::GoldenInput& in : test::quantGoldenInputs()) {
            const auto golden = dir / (std::string(in.name) + "." + type + ".bin");
            if (!std::filesystem::exists(golden))
                continue;
            if (in.cols % dtypeInfo(quantFormatInfo(format).storage).blockSize != 0)
                continue; // ggml writes no K-quant golden for 64-wide rows
            const auto x = test::readFloats(dir / (std::string(in.name) + ".f32"));
            const auto expected = test::readBytes(golden);
            QuantizedTensor out;
            vulkan->quantize(format, x, in.rows, in.cols, out);
            EXPECT_EQ(out.backend.rfind(vulkan->label(), 0), 0u) << out.backend;
            ASSERT_EQ(out.packed.size(), expected.size()) << golden;
            EXPECT_EQ(std::memcmp(out.packed.data(), expected.data(), expected.size()), 0)
                << type << " bytes differ from llama.cpp's on " << in.name << " (" << out.backend
                << ")";
            std::cout << "[kquant-golden] " << type << " " << in.name << ": " << out.backend
                      << "\n";
            ++compared;
        }
    }
    EXPECT_GE(compared, 14) << "too few goldens found in " << dir;
}

// q4_k-lsq has no llama.cpp golden (its bytes are its own search's): on the same inputs
// (real stories260K matrices, gaussian, outliers and the edge cases) the device's bytes
// must be the CPU's, whichever SIMD level the CPU takes (they equal its scalar lanes).
TEST(KQuantKernelGolden, LsqDeviceBytesAreTheCpuBytesOnTheGoldenInputs) {
    QL_REQUIRE_DATA();
    QL_REQUIRE_VULKAN();
    auto* vulkan = dynamic_cast<VulkanBackend*>(vulkanProbe().backend.get());
    ASSERT_NE(vulkan, nullptr);
    ComputeBackend* cpu = backendByName("cpu");
    ASSERT_NE(cpu, nullptr);
    const auto dir = test::dataDir() / "golden" / "quant";
    int compared = 0;
    for (const test::GoldenInput& in : test::quantGoldenInputs()) {
        if (in.cols % 256 != 0)
            continue;
        const auto x = test::readFloats(dir / (std::string(in.name) + ".f32"));
        QuantizedTensor onCpu, onDevice;
        cpu->quantize(QuantFormat::Q4_KLsq, x, in.rows, in.cols, onCpu);
        vulkan->quantize(QuantFormat::Q4_KLsq, x, in.rows, in.cols, onDevice);
        EXPECT_EQ(onDevice.backend.rfind(vulkan->label(), 0), 0u) << onDevice.backend;
        EXPECT_TRUE(onDevice.packed == onCpu.packed) << "q4_k-lsq bytes differ on " << in.name;
        std::cout << "[lsq-golden-input] " << in.name << ": " << onDevice.backend << "\n";
        ++compared;
    }
    EXPECT_GE(compared, 5) << "too few golden inputs found in " << dir;
}

INSTANTIATE_TEST_SUITE_P(SearchedKQuants, KQuantKernelTest,
                         ::testing::Values(QuantFormat::Q2_K, QuantFormat::Q3_K, QuantFormat::Q4_K,
                                           QuantFormat::Q5_K, QuantFormat::Q6_K,
                                           QuantFormat::IQ4_NL, QuantFormat::Q4_KLsq),
                         [](const ::testing::TestParamInfo<QuantFormat>& info) {
                             std::string name(quantFormatInfo(info.param).name);
                             std::erase(name, '_');
                             std::erase(name, '-');
                             return name;
                         });

} // namespace
} // namespace ql::test
