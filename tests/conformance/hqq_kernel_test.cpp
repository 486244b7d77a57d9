// HQQ on the Vulkan device (engine/compute/vulkan/hqq_kernel.h, shaders/hqq_round.comp)
// against the scalar reference (engine/quant/hqq.h): codes, steps and zero points bit for
// bit, and the same number of rounds, on
//  - every matrix of the real stories260K model at 2, 3, 4 and 8 bits, where no group may
//    go to the host (real residuals lie far below the Lp shrink's floor);
//  - weights scaled so that the shrink acts, where the groups it acts on are solved on the
//    host from that round on, and the label says how many;
//  - inputs the shader does not take (subnormal, 2^20 and more), coded on the host;
//  - chunks of rows (a small buffer limit), all resident, each round dispatching each;
//  - device-local buffers with staging copies (QUANTLENS_VULKAN_FORCE_STAGING=1).
// The conformance suite (quantize_conformance_test.cpp) runs the odd shapes and value
// patterns; a device lost mid-solve is cpu_fallback_test.cpp's.
#include "engine/compute/vulkan/hqq_kernel.h"
#include "engine/compute/vulkan/vulkan_backend.h"
#include "engine/model/model.h"
#include "engine/quant/hqq.h"
#include "tests/common/random_weights.h"
#include "tests/conformance/backends.h"
#include "tests/conformance/environment_variable.h"
#include "tests/conformance/quantize_compare.h"

#include <cmath>
#include <gtest/gtest.h>
#include <iostream>
#include <map>
#include <random>
#include <string_view>

namespace ql::test {
namespace {

constexpr QuantFormat kHqqFormats[] = {QuantFormat::HqqInt2G64, QuantFormat::HqqInt3G64,
                                       QuantFormat::HqqInt4G64, QuantFormat::HqqInt8G64};

// The device's result equals the reference's, on the same number of rounds; returns it.
QuantizedTensor expectReference(VulkanBackend& vulkan, QuantFormat format,
                                const std::vector<float>& w, int64_t rows, int64_t cols,
                                std::string_view what) {
    QuantizedTensor ref, out;
    const int rounds = quantizeHqq(format, w, rows, cols, ref);
    EXPECT_TRUE(vulkan.supports(format, rows, cols).ok) << what;
    vulkan.quantize(format, w, rows, cols, out);
    EXPECT_TRUE(sameQuantization(ref, out, w)) << what;
    EXPECT_EQ(vulkan.lastHqqRounds(), rounds) << what;
    return out;
}

using HqqKernelTest = OwnVulkanBackend<::testing::Test>;

// stories260K is a toy model with wide weights: at 2 and 3 bits half a step of some groups
// reaches the Lp shrink's floor (0.17), and the host solves those; at 4 and 8 bits, as for
// every group of a real LLM's weights (sigma about 0.02), none does.
TEST_F(HqqKernelTest, EveryStories260KMatrixMatchesTheReference) {
    QL_REQUIRE_DATA();
    const auto model = Model::open(stories260K());
    int matrices = 0;
    std::map<QuantFormat, uint64_t> hostGroups, groups;
    for (const TensorInfo& t : model->tensors()) {
        if (!t.isMatrix())
            continue;
        ++matrices;
        const std::vector<float> w = model->readF32(t);
        for (QuantFormat f : kHqqFormats) {
            const std::string what = t.name + " " + std::string(quantFormatInfo(f).name);
            expectReference(*m_vulkan, f, w, t.rows(), t.cols(), what);
            EXPECT_GE(m_vulkan->lastDispatchCount(), m_vulkan->lastHqqRounds() + 2) << what;
            hostGroups[f] += m_vulkan->lastHostBlocks();
            groups[f] += uint64_t(t.rows() * groupsPerRow(f, t.cols()));
        }
    }
    for (QuantFormat f : kHqqFormats)
        std::cout << "[hqq-vulkan] " << quantFormatInfo(f).name << ": " << matrices
                  << " matrices identical on " << m_vulkan->deviceName() << ", " << hostGroups[f]
                  << " of " << groups[f] << " groups solved on the host" << std::endl;
    EXPECT_GT(matrices, 0);
    EXPECT_GT(hostGroups[QuantFormat::HqqInt2G64], 0u) << "the host path ran on real weights";
    EXPECT_EQ(hostGroups[QuantFormat::HqqInt4G64], 0u);
    EXPECT_EQ(hostGroups[QuantFormat::HqqInt8G64], 0u);
}

// Weights of sigma 3: at 2 and 3 bits half a step is far above the floor (0.17), so the
// shrink acts on every group, which the host then solves; at 4 bits on most (91 of 96
// here), the narrowest staying on the device; at 8 bits half a step is about 0.03 and
// no group reaches it.
TEST_F(HqqKernelTest, GroupsTheShrinkActsOnAreSolvedOnTheHost) {
    const int64_t rows = 24, cols = 200; // a short last group in every row
    const auto w = test::gaussianWeights(size_t(rows * cols), 3.0f, 7);
    const uint64_t groups = uint64_t(rows) * 4;
    for (QuantFormat f : kHqqFormats) {
        const std::string_view name = quantFormatInfo(f).name;
        const QuantizedTensor out = expectReference(*m_vulkan, f, w, rows, cols, name);
        const uint64_t handed = m_vulkan->lastHostBlocks();
        std::cout << "[hqq-vulkan] sigma 3, " << name << ": " << handed << " of " << groups
                  << " groups on the host" << std::endl;
        if (f == QuantFormat::HqqInt8G64) {
            EXPECT_EQ(handed, 0u) << name; // half a step about 0.03, below the floor
            continue;
        }
        EXPECT_GT(handed, 0u) << name << ": the shrink acted nowhere";
        if (f == QuantFormat::HqqInt4G64) { // narrow groups keep residuals under the floor
            EXPECT_LT(handed, groups) << name << ": the device solved no group";
        }
        EXPECT_NE(out.backend.find("the Lp shrink acts on"), std::string::npos) << out.backend;
    }
}

// Groups whose largest residual lies just under the floor of round 1 (2-bit groups of
// range about 1: half a step is 0.17, the floor 0.1701 at beta 10): the floor falls by
// about 0.8% a round as beta grows, and the zero moves, so these are handed to the host
// in later rounds too. The host then starts from the zero the device reached by that
// round (downloaded from the device under staged memory), and must still give the
// reference's result.
std::vector<float> nearTheFloor(int64_t rows, int64_t cols) {
    std::mt19937 rng(13);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::vector<float> w(size_t(rows * cols));
    for (int64_t g = 0; g < rows * cols / 64; ++g) {
        const float range = 0.96f + 0.1f * float(g % 17) / 16.0f;
        for (int64_t j = 0; j < 64; ++j)
            w[size_t(g * 64 + j)] = range * (j == 0 ? 0.0f : j == 1 ? 1.0f : u(rng)) - 0.4f;
    }
    return w;
}

void expectLateHandovers(VulkanBackend& vulkan, const std::string& what) {
    const int64_t rows = 16, cols = 256;
    const auto w = nearTheFloor(rows, cols);
    expectReference(vulkan, QuantFormat::HqqInt2G64, w, rows, cols, what);
    const auto handovers = vulkan.lastHqqHandovers();
    ASSERT_EQ(handovers.size(), size_t(vulkan.lastHqqRounds() + 1)) << what;
    uint64_t late = 0;
    for (size_t k = 2; k < handovers.size(); ++k)
        late += handovers[k];
    std::cout << "[hqq-vulkan] " << what << ": handed over per round";
    for (uint64_t h : handovers)
        std::cout << " " << h;
    std::cout << std::endl;
    EXPECT_GT(late, 0u) << what << ": no group was handed over after round 1";
    EXPECT_LT(vulkan.lastHostBlocks(), uint64_t(rows * cols / 64)) << what;
}

TEST_F(HqqKernelTest, GroupsHandedOverInALaterRoundStartFromTheDevicesZero) {
    expectLateHandovers(*m_vulkan, "host-visible");
}

// The codes pass writes the stored steps and zeros in the layout measure_error.comp reads,
// so the error sums are reduced on the device (within error_sums_test.cpp's relative 1e-6
// of the host's double sums); when the host solved or coded any group, the device's buffers
// lack those groups and the host measures the result instead (exactly its sums).
void expectSums(const ErrorSums& device, const ErrorSums& host, double relative) {
    EXPECT_NEAR(device.sumW2, host.sumW2, relative * host.sumW2);
    EXPECT_NEAR(device.sumQ2, host.sumQ2, relative * host.sumQ2);
    EXPECT_NEAR(device.sumWQ, host.sumWQ, relative * std::sqrt(host.sumW2 * host.sumQ2));
    EXPECT_NEAR(device.sumE2, host.sumE2, relative * host.sumE2);
    EXPECT_NEAR(device.maxAbsError, host.maxAbsError, relative * host.maxAbsError);
}

TEST_F(HqqKernelTest, ErrorSumsComeFromTheDeviceWhenItSolvedEveryGroup) {
    const int64_t rows = 48, cols = 200;
    const auto w = test::gaussianWeights(size_t(rows * cols), 0.02f, 17);
    m_vulkan->setMaxBufferBytesForTesting(16 * cols * 4); // three chunks, summed
    for (QuantFormat f : kHqqFormats) {
        QuantizedTensor out, ref;
        const ErrorSums sums = m_vulkan->quantizeAndMeasure(f, w, rows, cols, out);
        EXPECT_TRUE(m_vulkan->lastErrorSumsOnDevice()) << quantFormatInfo(f).name;
        EXPECT_EQ(m_vulkan->lastHostBlocks(), 0u);
        quantizeHqq(f, w, rows, cols, ref);
        EXPECT_TRUE(sameQuantization(ref, out, w)) << quantFormatInfo(f).name;
        const ErrorSums host = errorSumsOnHost(w, ref);
        expectSums(sums, host, 1e-6);
        EXPECT_GT(std::fabs(sums.sumE2 - host.sumE2) + std::fabs(sums.sumW2 - host.sumW2), 0.0)
            << "f32 partial sums cannot be the host's double sums bit for bit: not measured "
               "on the device";
    }
    auto withHostGroup = w;
    withHostGroup[70] = 1e-40f; // a subnormal: its group is the host's
    QuantizedTensor out;
    const ErrorSums sums =
        m_vulkan->quantizeAndMeasure(QuantFormat::HqqInt4G64, withHostGroup, rows, cols, out);
    EXPECT_FALSE(m_vulkan->lastErrorSumsOnDevice());
    expectSums(sums, errorSumsOnHost(withHostGroup, out), 0.0);
}

// A value the shader does not take puts its group on the host from the start: a subnormal
// (a device may flush it), 2^20 exactly and -3e6 (from 2^20 on, beyond the range where
// its sums are proven exact); the rest of the tensor stays on the device.
TEST_F(HqqKernelTest, ValuesOutsideTheShadersRangeAreSolvedOnTheHost) {
    const int64_t rows = 6, cols = 256;
    auto w = test::gaussianWeights(size_t(rows * cols), 0.02f, 3);
    w[5] = 1e-40f;
    w[300] = 1048576.0f; // 2^20, qlOutsideInput's bound
    w[1000] = -3e6f;
    for (QuantFormat f : kHqqFormats) {
        expectReference(*m_vulkan, f, w, rows, cols, quantFormatInfo(f).name);
        EXPECT_EQ(m_vulkan->lastHostBlocks(), 3u) << quantFormatInfo(f).name;
    }
}

// A buffer limit of 8 rows of 256 floats: 64 rows run as 8 resident chunks, each round
// dispatching all of them.
TEST_F(HqqKernelTest, ChunksOfRowsGiveTheSameResult) {
    const int64_t rows = 64, cols = 256;
    const auto w = test::gaussianWeights(size_t(rows * cols), 0.05f, 11);
    m_vulkan->setMaxBufferBytesForTesting(8 * cols * 4);
    for (QuantFormat f : kHqqFormats) {
        expectReference(*m_vulkan, f, w, rows, cols, quantFormatInfo(f).name);
        EXPECT_EQ(m_vulkan->lastDispatchCount(), 8 * (m_vulkan->lastHqqRounds() + 2));
    }
}

// The resident bytes of a solve, worked by hand: 64 x 256 weights in chunks of 8 rows (a
// buffer limit of 8 rows of floats), so 8 chunks of 32 groups (4 per row). Per chunk the
// state (3 words a group), the error words (1), the stored steps and zeros (2) and the
// codes (64 words a row) each carry 2 x 16 guard words, and the weights none:
//   weights 64 * 256 * 4 = 65536, guards 8 chunks * 4 regions * 32 words * 4 = 4096,
//   per-group words 64 rows * 4 groups * 6 * 4 = 6144, codes 64 * 64 * 4 = 16384:
//   92160 bytes in all, refused one byte below.
TEST(HqqKernelPlan, CountsEveryResidentByte) {
    vk::DispatchLimits limits;
    limits.maxBufferBytes = 8 * 256 * 4;
    limits.maxResidentBytes = 92160;
    const vk::RowChunking fits = vk::HqqKernel::plan(QuantFormat::HqqInt4G64, 64, 256, limits);
    EXPECT_EQ(fits.rowsPerChunk, 8) << fits.whyNot;
    limits.maxResidentBytes = 92159;
    const vk::RowChunking over = vk::HqqKernel::plan(QuantFormat::HqqInt4G64, 64, 256, limits);
    EXPECT_EQ(over.rowsPerChunk, 0);
    EXPECT_NE(over.whyNot.find("92160 bytes, above the 92159 bytes"), std::string::npos)
        << over.whyNot;
}

// The solve keeps every chunk on the device: a tensor above what the device may hold (a share of
// its heaps, residentBudget; here a test limit) is the CPU's, with the reason, before any buffer is
// made, so that a large tensor does not fail with VK_ERROR_OUT_OF_DEVICE_MEMORY and take the
// device away from the rest of the job.
TEST_F(HqqKernelTest, ATensorAboveTheResidentLimitIsTheCpus) {
    const int64_t rows = 64, cols = 256;                 // 64 KiB of weights
    m_vulkan->setMaxBufferBytesForTesting(8 * cols * 4); // in chunks, all resident
    EXPECT_TRUE(m_vulkan->supports(QuantFormat::HqqInt4G64, rows, cols).ok);
    m_vulkan->setMaxResidentBytesForTesting(rows * cols * 4);
    const Support s = m_vulkan->supports(QuantFormat::HqqInt4G64, rows, cols);
    EXPECT_FALSE(s.ok);
    EXPECT_NE(s.reason.find("whole tensor on the device"), std::string::npos) << s.reason;
    EXPECT_NE(s.reason.find("65536 bytes it may hold"), std::string::npos) << s.reason;
    EXPECT_TRUE(m_vulkan->supports(QuantFormat::HqqInt4G64, rows / 2, cols).ok);
    m_vulkan->setMaxResidentBytesForTesting(0);
    EXPECT_TRUE(m_vulkan->supports(QuantFormat::HqqInt4G64, rows, cols).ok);
}

TEST(HqqKernelStaged, DeviceLocalBuffersGiveTheSameResult) {
    QL_REQUIRE_VULKAN();
    EnvironmentVariable staging("QUANTLENS_VULKAN_FORCE_STAGING", "1");
    VulkanProbe probe = makeVulkanBackend();
    auto* vulkan = dynamic_cast<VulkanBackend*>(probe.backend.get());
    ASSERT_NE(vulkan, nullptr) << probe.message;
    ASSERT_TRUE(vulkan->stagedMemory());
    auto w = test::gaussianWeights(size_t(40 * 200), 0.02f, 5);
    w[77] = 1e-40f;                      // a group on the host from the start
    for (size_t i = 4000; i < 4064; ++i) // a group the shrink acts on, from its first round
        w[i] *= 500.0f;
    vulkan->setMaxBufferBytesForTesting(16 * 200 * 4); // three chunks
    for (QuantFormat f : kHqqFormats) {
        expectReference(*vulkan, f, w, 40, 200, quantFormatInfo(f).name);
        EXPECT_GE(vulkan->lastHostBlocks(), 1u);
    }
    vulkan->setMaxBufferBytesForTesting(0);
    expectLateHandovers(*vulkan, "staged");
    // Every group on the device: the sums are reduced there, through the staging copies.
    const auto clean = test::gaussianWeights(size_t(40 * 200), 0.02f, 6);
    QuantizedTensor out;
    const ErrorSums sums = vulkan->quantizeAndMeasure(QuantFormat::HqqInt4G64, clean, 40, 200, out);
    EXPECT_TRUE(vulkan->lastErrorSumsOnDevice());
    expectSums(sums, errorSumsOnHost(clean, out), 1e-6);
}

} // namespace
} // namespace ql::test
