// With Vulkan switched off (QUANTLENS_VULKAN=0) the CPU runs every kernel, and a whole
// variant comes out identical to the one the Vulkan device computed: only the recorded
// backend differs.
#include "engine/compute/vulkan/vulkan_backend.h"
#include "engine/jobs/quantize_job.h"
#include "engine/quant/hqq.h"
#include "tests/common/temp_dir.h"
#include "tests/conformance/backends.h"
#include "tests/conformance/environment_variable.h"

#include <cstdlib>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace ql::test {
namespace {

// Vulkan preferred (auto would not take lavapipe, a CPU driver), or the CPU alone under
// QUANTLENS_VULKAN=0.
QuantizeOutcome quantizeStories(Workspace& ws, QuantFormat format = QuantFormat::Int8PerChannel) {
    BackendSet backends(BackendSet::Preference::Vulkan);
    JobContext ctx;
    return quantizeModel({stories260K(), format, {}}, ws, backends, ctx);
}

void expectSameMetrics(const QuantizeOutcome& a, const QuantizeOutcome& b) {
    ASSERT_EQ(a.metrics.size(), b.metrics.size());
    for (size_t i = 0; i < a.metrics.size(); ++i) {
        // Identical codes and scales give bit-identical error sums.
        EXPECT_EQ(a.metrics[i].metrics.rmse, b.metrics[i].metrics.rmse) << a.metrics[i].tensor;
        EXPECT_EQ(a.metrics[i].metrics.maxAbsError, b.metrics[i].metrics.maxAbsError)
            << a.metrics[i].tensor;
        EXPECT_EQ(a.metrics[i].metrics.cosine, b.metrics[i].metrics.cosine) << a.metrics[i].tensor;
        EXPECT_EQ(a.metrics[i].metrics.bytes, b.metrics[i].metrics.bytes);
    }
}

TEST(CpuFallback, VulkanOffGivesTheCpuAndTheSayso) {
    EnvironmentVariable off("QUANTLENS_VULKAN", "0");
    BackendSet backends(BackendSet::Preference::Auto);
    EXPECT_EQ(backends.vulkan(), nullptr);
    EXPECT_EQ(&backends.choose(QuantFormat::Int8PerChannel, 64, 64), &backends.cpu());
    EXPECT_NE(backends.summary().find("QUANTLENS_VULKAN=0"), std::string::npos);
}

// Auto takes a GPU, never a CPU driver: there the CPU backend is faster on the same cores.
TEST(CpuFallback, AutoLeavesACpuVulkanDeviceForTheCpuBackend) {
    QL_REQUIRE_VULKAN();
    auto* probed = dynamic_cast<VulkanBackend*>(vulkanProbe().backend.get());
    ASSERT_NE(probed, nullptr);
    BackendSet autoSet(BackendSet::Preference::Auto);
    BackendSet vulkanSet(BackendSet::Preference::Vulkan);
    EXPECT_NE(vulkanSet.vulkan(), nullptr) << "--device vulkan takes any device";
    if (probed->isCpuDevice()) {
        EXPECT_EQ(autoSet.vulkan(), nullptr);
        EXPECT_EQ(&autoSet.choose(QuantFormat::Q4_0, 64, 256), &autoSet.cpu());
        EXPECT_NE(autoSet.summary().find("CPU driver"), std::string::npos) << autoSet.summary();
        EXPECT_NE(autoSet.summary().find(probed->deviceName()), std::string::npos);
    } else {
        EXPECT_NE(autoSet.vulkan(), nullptr) << autoSet.summary();
    }
}

TEST(CpuFallback, VariantFromTheCpuEqualsTheVariantFromVulkan) {
    QL_REQUIRE_DATA();
    QL_REQUIRE_VULKAN();
    TempDir dir;
    Workspace ws(dir / "ws.quantlens");
    const QuantizeOutcome onDevice = quantizeStories(ws);
    QuantizeOutcome onCpu;
    {
        EnvironmentVariable off("QUANTLENS_VULKAN", "0");
        onCpu = quantizeStories(ws);
    }
    EXPECT_NE(onDevice.variant.backend.find("vulkan"), std::string::npos);
    EXPECT_EQ(onCpu.variant.backend.find("vulkan"), std::string::npos);
    EXPECT_NE(onCpu.variant.backend.find("cpu"), std::string::npos);
    expectSameMetrics(onDevice, onCpu);
    // Both variants are stored, each naming the backend that computed it.
    const auto stored = ws.variants();
    ASSERT_EQ(stored.size(), 2u);
    EXPECT_EQ(stored[0].backend, onDevice.variant.backend);
    EXPECT_EQ(stored[1].backend, onCpu.variant.backend);
}

// The device is lost in the middle of a job (the third queue submission fails as
// VK_ERROR_DEVICE_LOST would): the job finishes on the CPU, the results equal an all-CPU
// run, and the user gets a warning, not a failure. For every format the device runs.
class DeviceLostMidJob : public ::testing::TestWithParam<QuantFormat> {};

TEST_P(DeviceLostMidJob, FinishesOnTheCpuWithIdenticalResults) {
    QL_REQUIRE_DATA();
    QL_REQUIRE_VULKAN();
    const QuantFormat format = GetParam();
    TempDir dir;
    Workspace ws(dir / "ws.quantlens");
    BackendSet backends(BackendSet::Preference::Vulkan);
    auto* vulkan = dynamic_cast<VulkanBackend*>(backends.vulkan());
    ASSERT_NE(vulkan, nullptr);
    // stories260K's matrices are 64 or 172 wide (block formats store 172 as f16).
    const int64_t cols = fallbackFormat(format, 64) == format ? 64 : 172;
    if (Support s = vulkan->supports(fallbackFormat(format, cols), 64, cols); !s.ok)
        GTEST_SKIP() << s.reason;
    // The third submission: the second tensor's; for HQQ (a submission per round) the 45th,
    // past the first tensor's at most 42 (start, 20 rounds, codes, and with staged buffers
    // a state download in each round that hands groups to the host) and inside a later
    // tensor's solve.
    vulkan->injectDeviceLossForTesting(isHqqFormat(format) ? 45 : 3);
    JobContext ctx;
    const QuantizeOutcome faulted = quantizeModel({stories260K(), format, {}}, ws, backends, ctx);
    QuantizeOutcome onCpu;
    {
        EnvironmentVariable off("QUANTLENS_VULKAN", "0");
        onCpu = quantizeStories(ws, format);
    }
    expectSameMetrics(faulted, onCpu);
    EXPECT_NE(ctx.warnings().find("VK_ERROR_DEVICE_LOST"), std::string::npos) << ctx.warnings();
    EXPECT_NE(ctx.warnings().find("identical results"), std::string::npos) << ctx.warnings();
    EXPECT_NE(faulted.variant.backend.find("vulkan"), std::string::npos) << "ran before the fault";
    EXPECT_NE(faulted.variant.backend.find("cpu"), std::string::npos) << "ran after the fault";
    EXPECT_EQ(backends.vulkan(), nullptr) << "the rest of the job stays on the CPU";
}

std::vector<QuantFormat> everyFormat() {
    std::vector<QuantFormat> all;
    for (const auto& info : quantFormats())
        all.push_back(info.format);
    return all;
}

INSTANTIATE_TEST_SUITE_P(EveryFormat, DeviceLostMidJob, ::testing::ValuesIn(everyFormat()),
                         [](const ::testing::TestParamInfo<QuantFormat>& info) {
                             std::string name(quantFormatInfo(info.param).name);
                             for (char& c : name)
                                 c = (c == '-') ? '_' : c;
                             return name;
                         });

} // namespace
} // namespace ql::test
