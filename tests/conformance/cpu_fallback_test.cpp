// With Vulkan switched off (QUANTLENS_VULKAN=0) the CPU runs every kernel, and a whole
// variant comes out identical to the one the Vulkan device computed: only the recorded
// backend differs.
#include "engine/jobs/quantize_job.h"
#include "tests/common/temp_dir.h"
#include "tests/conformance/backends.h"

#include <cstdlib>
#include <gtest/gtest.h>

namespace ql::test {
namespace {

QuantizeOutcome quantizeStories(Workspace& ws) {
    BackendSet backends(BackendSet::Preference::Auto);
    JobContext ctx;
    return quantizeModel({stories260K(), QuantFormat::Int8PerChannel, {}}, ws, backends, ctx);
}

class EnvironmentVariable {
public:
    EnvironmentVariable(const char* name, const char* value)
        : m_name(name) {
        if (const char* old = std::getenv(name))
            m_old = old;
        ::setenv(name, value, 1);
    }
    ~EnvironmentVariable() {
        if (m_old.empty())
            ::unsetenv(m_name);
        else
            ::setenv(m_name, m_old.c_str(), 1);
    }

private:
    const char* m_name;
    std::string m_old;
};

TEST(CpuFallback, VulkanOffGivesTheCpuAndTheSayso) {
    EnvironmentVariable off("QUANTLENS_VULKAN", "0");
    BackendSet backends(BackendSet::Preference::Auto);
    EXPECT_EQ(backends.vulkan(), nullptr);
    EXPECT_EQ(&backends.choose(QuantFormat::Int8PerChannel, 64, 64), &backends.cpu());
    EXPECT_NE(backends.summary().find("QUANTLENS_VULKAN=0"), std::string::npos);
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
    ASSERT_EQ(onDevice.metrics.size(), onCpu.metrics.size());
    for (size_t i = 0; i < onCpu.metrics.size(); ++i) {
        const ErrorMetrics& a = onDevice.metrics[i].metrics;
        const ErrorMetrics& b = onCpu.metrics[i].metrics;
        // Identical codes and scales give bit-identical error sums.
        EXPECT_EQ(a.rmse, b.rmse) << onCpu.metrics[i].tensor;
        EXPECT_EQ(a.maxAbsError, b.maxAbsError) << onCpu.metrics[i].tensor;
        EXPECT_EQ(a.bytes, b.bytes);
    }
    // Both variants are stored, each naming the backend that computed it.
    const auto stored = ws.variants();
    ASSERT_EQ(stored.size(), 2u);
    EXPECT_EQ(stored[0].backend, onDevice.variant.backend);
    EXPECT_EQ(stored[1].backend, onCpu.variant.backend);
}

} // namespace
} // namespace ql::test
