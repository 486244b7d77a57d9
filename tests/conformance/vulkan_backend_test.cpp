// The Vulkan backend beyond the conformance matrix: chunking over rows when a tensor
// exceeds the dispatch or buffer limits, buffer reuse between tensors of different
// shapes, and the answers it gives for what it cannot do.
#include "engine/compute/vulkan/row_chunking.h"
#include "engine/compute/vulkan/vulkan_backend.h"
#include "engine/compute/vulkan/vulkan_fault.h"
#include "tests/conformance/backends.h"
#include "tests/conformance/quantize_compare.h"
#include "tests/conformance/value_patterns.h"

#include <gtest/gtest.h>
#include <type_traits>

namespace ql::test {
namespace {

static_assert(std::is_base_of_v<Error, VulkanFault>, "jobs catch ql::Error");

constexpr auto kInt8 = QuantFormat::Int8PerChannel;

TEST(RowChunking, TakesTheTightestLimit) {
    vk::DispatchLimits limits{65535, 128ull << 20};
    EXPECT_EQ(vk::planInt8Chunks(4096, 4096, limits).rowsPerChunk, 4096);
    EXPECT_EQ(vk::planInt8Chunks(100000, 16, limits).rowsPerChunk, 65535);
    limits.maxBufferBytes = 64ull << 20;
    EXPECT_EQ(vk::planInt8Chunks(8192, 4096, limits).rowsPerChunk, 4096);
    limits.maxRows = 3;
    EXPECT_EQ(vk::planInt8Chunks(8192, 4096, limits).rowsPerChunk, 3);
}

TEST(RowChunking, CountsGuardWordsAndPadding) {
    // One column: 4 bytes of input and one padded code word per row, so the code buffer
    // with its guard words is the tightest: (4096 - 2 * 16 * 4) / 4 rows.
    const vk::DispatchLimits limits{65535, 4096};
    const auto plan = vk::planInt8Chunks(5000, 1, limits);
    EXPECT_EQ(plan.rowsPerChunk, 992);
    EXPECT_LE(vk::int8CodeBytes(plan.rowsPerChunk, 1), limits.maxBufferBytes);
    EXPECT_GT(vk::int8CodeBytes(plan.rowsPerChunk + 1, 1), limits.maxBufferBytes);
    EXPECT_LE(vk::int8InputBytes(plan.rowsPerChunk + 1, 1), limits.maxBufferBytes);
}

TEST(RowChunking, SaysWhyARowDoesNotFit) {
    const auto plan = vk::planInt8Chunks(2, 5000, {65535, 16384});
    EXPECT_EQ(plan.rowsPerChunk, 0);
    EXPECT_NE(plan.whyNot.find("5000 floats"), std::string::npos) << plan.whyNot;
}

// A backend of its own, so that test limits do not leak into the shared one.
class VulkanBackendTest : public OwnVulkanBackend<::testing::Test> {
protected:
    void expectMatchesReference(int64_t rows, int64_t cols, Pattern pattern = Pattern::Gaussian) {
        const auto src = makePattern(pattern, kInt8, rows, cols);
        QuantizedTensor ref, out;
        quantizeReference(kInt8, src, rows, cols, ref);
        ASSERT_TRUE(m_vulkan->supports(kInt8, rows, cols).ok);
        m_vulkan->quantize(kInt8, src, rows, cols, out);
        EXPECT_TRUE(sameQuantization(ref, out, src)) << rows << "x" << cols;
    }
};

TEST_F(VulkanBackendTest, ChunksByDispatchRows) {
    m_vulkan->setMaxRowsPerDispatchForTesting(3);
    expectMatchesReference(37, 300);
    EXPECT_EQ(m_vulkan->lastDispatchCount(), 13);
    expectMatchesReference(3, 129, Pattern::Ties);
    EXPECT_EQ(m_vulkan->lastDispatchCount(), 1);
}

TEST_F(VulkanBackendTest, ChunksByBufferBytes) {
    m_vulkan->setMaxBufferBytesForTesting(2 * 4097 * 4 + 100); // two rows per dispatch
    expectMatchesReference(127, 4097, Pattern::Outlier);
    EXPECT_EQ(m_vulkan->lastDispatchCount(), 64);
}

TEST_F(VulkanBackendTest, RefusesARowWiderThanItsBuffers) {
    m_vulkan->setMaxBufferBytesForTesting(1000);
    const Support s = m_vulkan->supports(kInt8, 2, 4097);
    EXPECT_FALSE(s.ok);
    EXPECT_NE(s.reason.find("4097 floats"), std::string::npos) << s.reason;
    std::vector<float> src(2 * 4097, 1.0f);
    QuantizedTensor out;
    EXPECT_THROW(m_vulkan->quantize(kInt8, src, 2, 4097, out), Error);
}

TEST_F(VulkanBackendTest, ReusesBuffersAcrossShapes) {
    expectMatchesReference(64, 4097);
    expectMatchesReference(1, 1);
    expectMatchesReference(3, 33, Pattern::TinyAndHuge);
    expectMatchesReference(127, 4097, Pattern::Constant);
}

TEST_F(VulkanBackendTest, QuantizesEmptyTensors) {
    QuantizedTensor out;
    out.resize(kInt8, 4, 4);
    m_vulkan->quantize(kInt8, {}, 0, 7, out);
    EXPECT_EQ(out.rows, 0);
    EXPECT_TRUE(out.codes.empty());
    EXPECT_TRUE(out.scales.empty());
}

TEST_F(VulkanBackendTest, RejectsAMismatchedSource) {
    std::vector<float> src(10, 1.0f);
    QuantizedTensor out;
    EXPECT_THROW(m_vulkan->quantize(kInt8, src, 3, 4, out), Error);
}

TEST_F(VulkanBackendTest, NamesItselfAndWhatItCannotRun) {
    EXPECT_EQ(m_vulkan->name(), "vulkan");
    EXPECT_FALSE(m_vulkan->deviceName().empty());
    EXPECT_EQ(m_vulkan->label(), "vulkan (" + m_vulkan->deviceName() + ")");
    EXPECT_TRUE(m_vulkan->supports(QuantFormat::Int4G128, 4, 256).ok);
    EXPECT_TRUE(m_vulkan->supports(QuantFormat::Q4_0, 4, 256).ok);
    const Support partialBlock = m_vulkan->supports(QuantFormat::Q4_0, 4, 100);
    EXPECT_FALSE(partialBlock.ok);
    EXPECT_NE(partialBlock.reason.find("whole number of 32-value blocks"), std::string::npos)
        << partialBlock.reason;
    // Every searched GGUF format and q4_k-lsq has a shader.
    for (QuantFormat f : {QuantFormat::Q2_K, QuantFormat::Q3_K, QuantFormat::Q4_K,
                          QuantFormat::Q5_K, QuantFormat::Q6_K, QuantFormat::Q4_KLsq}) {
        EXPECT_TRUE(m_vulkan->supports(f, 4, 256).ok) << quantFormatInfo(f).name;
        EXPECT_NE(m_vulkan->supports(f, 4, 128).reason.find("256-value super-blocks"),
                  std::string::npos);
    }
    EXPECT_TRUE(m_vulkan->supports(QuantFormat::IQ4_NL, 4, 64).ok);
    EXPECT_NE(m_vulkan->supports(QuantFormat::IQ4_NL, 4, 48).reason.find("32-value blocks"),
              std::string::npos);
    // HQQ too, on rows of any length (a short last group), until a row exceeds the buffers.
    for (QuantFormat f : {QuantFormat::HqqInt2G64, QuantFormat::HqqInt3G64, QuantFormat::HqqInt4G64,
                          QuantFormat::HqqInt8G64})
        EXPECT_TRUE(m_vulkan->supports(f, 4, 100).ok) << quantFormatInfo(f).name;
    m_vulkan->setMaxBufferBytesForTesting(1024);
    const Support wide = m_vulkan->supports(QuantFormat::HqqInt4G64, 4, 4096);
    EXPECT_FALSE(wide.ok);
    EXPECT_NE(wide.reason.find("buffer limit of 1024 bytes"), std::string::npos) << wide.reason;
    m_vulkan->setMaxBufferBytesForTesting(0);
}

TEST(VulkanProbe, ReportsABadDeviceIndex) {
    QL_REQUIRE_VULKAN();
    VulkanProbe probe = makeVulkanBackend(1000);
    EXPECT_FALSE(probe.backend);
    EXPECT_NE(probe.message.find("1000"), std::string::npos) << probe.message;
}

} // namespace
} // namespace ql::test
