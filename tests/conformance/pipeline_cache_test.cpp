// The on-disk Vulkan pipeline cache: a file written by one backend is read back by the
// next one on the same device; every damaged or foreign file is ignored (with its reason)
// and the backend still computes correct codes.
#include "engine/compute/vulkan/pipeline_cache.h"
#include "engine/compute/vulkan/vulkan_backend.h"
#include "tests/common/temp_dir.h"
#include "tests/conformance/backends.h"
#include "tests/conformance/environment_variable.h"
#include "tests/conformance/quantize_compare.h"
#include "tests/conformance/value_patterns.h"

#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>

namespace ql::test {
namespace {

vk::PipelineCacheIdentity someIdentity() {
    vk::PipelineCacheIdentity id;
    id.vendorId = 0x10de;
    id.deviceId = 0x2330;
    for (uint32_t i = 0; i < VK_UUID_SIZE; ++i) {
        id.pipelineCacheUuid[i] = uint8_t(i * 7 + 1);
        id.deviceUuid[i] = uint8_t(0xa0 + i);
    }
    return id;
}

// Driver data as the Vulkan spec lays it out: VkPipelineCacheHeaderVersionOne, then bytes.
std::vector<uint8_t> driverData(const vk::PipelineCacheIdentity& id) {
    std::vector<uint8_t> d(32 + 40, 0x5a);
    const uint32_t header[4] = {32, VK_PIPELINE_CACHE_HEADER_VERSION_ONE, id.vendorId, id.deviceId};
    std::memcpy(d.data(), header, sizeof header);
    std::memcpy(d.data() + 16, id.pipelineCacheUuid, VK_UUID_SIZE);
    return d;
}

std::vector<uint8_t> readAll(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void writeAll(const std::filesystem::path& p, const std::vector<uint8_t>& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

class PipelineCacheFile : public ::testing::Test {
protected:
    std::string rejection(const vk::PipelineCacheIdentity& id) {
        std::string why;
        EXPECT_TRUE(vk::readPipelineCacheFile(m_path, id, why).empty());
        return why;
    }
    TempDir m_dir;
    std::filesystem::path m_path = m_dir / "quantlens" / "pipeline-test.bin";
};

TEST(PipelineCachePath, FollowsXdgCacheHomeAndNamesTheDevice) {
    EnvironmentVariable xdg("XDG_CACHE_HOME", "/tmp/xdg-test");
    EXPECT_EQ(vk::pipelineCachePath(someIdentity()).string(),
              "/tmp/xdg-test/quantlens/pipeline-a0a1a2a3a4a5a6a7a8a9aaabacadaeaf.bin");
    EnvironmentVariable noXdg("XDG_CACHE_HOME", "");
    EnvironmentVariable home("HOME", "/home/someone");
    EXPECT_EQ(vk::pipelineCachePath(someIdentity()).parent_path().string(),
              "/home/someone/.cache/quantlens");
}

TEST_F(PipelineCacheFile, RoundTrips) {
    const auto id = someIdentity();
    std::string why;
    ASSERT_TRUE(vk::writePipelineCacheFile(m_path, driverData(id), why)) << why;
    EXPECT_EQ(vk::readPipelineCacheFile(m_path, id, why), driverData(id)) << why;
}

TEST_F(PipelineCacheFile, RejectsAFlippedByte) {
    const auto id = someIdentity();
    std::string why;
    ASSERT_TRUE(vk::writePipelineCacheFile(m_path, driverData(id), why));
    auto bytes = readAll(m_path);
    bytes[bytes.size() - 3] ^= 0x10;
    writeAll(m_path, bytes);
    EXPECT_NE(rejection(id).find("checksum"), std::string::npos);
}

TEST_F(PipelineCacheFile, RejectsATruncatedFile) {
    const auto id = someIdentity();
    std::string why;
    ASSERT_TRUE(vk::writePipelineCacheFile(m_path, driverData(id), why));
    auto bytes = readAll(m_path);
    bytes.resize(bytes.size() - 5);
    writeAll(m_path, bytes);
    EXPECT_NE(rejection(id).find("truncated"), std::string::npos);
}

TEST_F(PipelineCacheFile, RejectsAnotherFileFormat) {
    std::filesystem::create_directories(m_path.parent_path());
    writeAll(m_path, std::vector<uint8_t>(100, 0));
    EXPECT_NE(rejection(someIdentity()).find("bad magic"), std::string::npos);
}

TEST_F(PipelineCacheFile, RejectsAnotherDriverOrDevice) {
    const auto id = someIdentity();
    std::string why;
    ASSERT_TRUE(vk::writePipelineCacheFile(m_path, driverData(id), why));
    auto newerDriver = id;
    newerDriver.pipelineCacheUuid[3] ^= 1;
    EXPECT_NE(rejection(newerDriver).find("another driver"), std::string::npos);
    auto otherCard = id;
    otherCard.deviceId = 0x2331;
    EXPECT_NE(rejection(otherCard).find("another device"), std::string::npos);
}

TEST_F(PipelineCacheFile, RejectsABadDriverHeader) {
    const auto id = someIdentity();
    auto data = driverData(id);
    data[4] = 7; // header version
    std::string why;
    ASSERT_TRUE(vk::writePipelineCacheFile(m_path, data, why));
    EXPECT_NE(rejection(id).find("version"), std::string::npos);
}

// With the device: the first backend writes the file, the second builds from it, a
// corrupt file is ignored and rewritten, and the codes are right in every case.
TEST(PipelineCacheOnDevice, IsWrittenReadAndSurvivesCorruption) {
    QL_REQUIRE_VULKAN();
    TempDir dir;
    EnvironmentVariable xdg("XDG_CACHE_HOME", dir.path().string());
    auto quantizeOk = [](ComputeBackend& backend) {
        const auto f = QuantFormat::Q4_1;
        const auto src = makePattern(Pattern::Gaussian, f, 5, 96);
        QuantizedTensor ref, out;
        quantizeReference(f, src, 5, 96, ref);
        backend.quantize(f, src, 5, 96, out);
        return sameQuantization(ref, out, src);
    };
    std::string path;
    {
        VulkanProbe first = makeVulkanBackend();
        auto* vulkan = dynamic_cast<VulkanBackend*>(first.backend.get());
        ASSERT_NE(vulkan, nullptr);
        EXPECT_FALSE(vulkan->pipelineCacheLoaded());
        path = vulkan->pipelineCachePath();
        EXPECT_EQ(path.rfind(dir.path().string(), 0), 0u) << path;
        ASSERT_TRUE(std::filesystem::exists(path)) << path;
        EXPECT_TRUE(quantizeOk(*vulkan));
    }
    {
        VulkanProbe second = makeVulkanBackend();
        auto* vulkan = dynamic_cast<VulkanBackend*>(second.backend.get());
        EXPECT_TRUE(vulkan->pipelineCacheLoaded());
        EXPECT_TRUE(quantizeOk(*vulkan));
    }
    auto bytes = readAll(path);
    bytes[bytes.size() / 2] ^= 0xff;
    writeAll(path, bytes);
    {
        VulkanProbe third = makeVulkanBackend();
        auto* vulkan = dynamic_cast<VulkanBackend*>(third.backend.get());
        ASSERT_NE(vulkan, nullptr) << third.message;
        EXPECT_FALSE(vulkan->pipelineCacheLoaded());
        EXPECT_TRUE(quantizeOk(*vulkan));
    }
    VulkanProbe fourth = makeVulkanBackend();
    EXPECT_TRUE(dynamic_cast<VulkanBackend*>(fourth.backend.get())->pipelineCacheLoaded())
        << "the corrupt file was replaced by a good one";
}

} // namespace
} // namespace ql::test
