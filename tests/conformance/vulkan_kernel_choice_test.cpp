// The kernel choices made from a device's properties (engine/compute/vulkan/kernel_choice.h),
// on hand-written properties of the kinds of device that matter: a discrete GPU (VRAM
// that the host cannot map, plus a small host-visible BAR window), an integrated GPU and
// lavapipe (every device-local type host-visible), and subgroups of 8, 32 and 64 lanes.
#include "engine/compute/vulkan/kernel_choice.h"
#include "engine/core/error.h"
#include "tests/conformance/environment_variable.h"

#include <gtest/gtest.h>
#include <initializer_list>

namespace ql::test {
namespace {

using vk::GroupLayout;
using vk::MemoryPlacement;

VkPhysicalDeviceMemoryProperties memoryOf(std::initializer_list<VkMemoryPropertyFlags> types) {
    VkPhysicalDeviceMemoryProperties props{};
    for (VkMemoryPropertyFlags flags : types)
        props.memoryTypes[props.memoryTypeCount++] = {flags, 0};
    return props;
}

constexpr VkMemoryPropertyFlags kDevice = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
constexpr VkMemoryPropertyFlags kHost =
    VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
constexpr VkMemoryPropertyFlags kCached = kHost | VK_MEMORY_PROPERTY_HOST_CACHED_BIT;

TEST(MemoryPlacementChoice, DiscreteGpuGetsDeviceLocalBuffers) {
    // NVIDIA's usual list: VRAM, host memory (coherent, cached) and the BAR window.
    const auto discrete = memoryOf({kDevice, kHost, kCached, kDevice | kHost});
    EXPECT_EQ(vk::chooseMemoryPlacement(discrete, false), MemoryPlacement::DeviceLocal);
}

TEST(MemoryPlacementChoice, HostVisibleEverywhereKeepsMappedBuffers) {
    const auto lavapipe = memoryOf({kDevice | kCached});
    const auto integrated = memoryOf({kDevice | kHost, kDevice | kCached});
    const auto hostOnly = memoryOf({kHost, kCached});
    for (const auto& memory : {lavapipe, integrated, hostOnly})
        EXPECT_EQ(vk::chooseMemoryPlacement(memory, false), MemoryPlacement::HostVisible);
}

TEST(MemoryPlacementChoice, ForcedStagingWinsAndTypesPastTheCountAreIgnored) {
    EXPECT_EQ(vk::chooseMemoryPlacement(memoryOf({kDevice | kCached}), true),
              MemoryPlacement::DeviceLocal);
    auto stale = memoryOf({kDevice | kHost});
    stale.memoryTypes[1] = {kDevice, 0}; // beyond memoryTypeCount: not a type of this device
    EXPECT_EQ(vk::chooseMemoryPlacement(stale, false), MemoryPlacement::HostVisible);
}

constexpr VkSubgroupFeatureFlags kArithmetic =
    VK_SUBGROUP_FEATURE_BASIC_BIT | VK_SUBGROUP_FEATURE_ARITHMETIC_BIT;

TEST(GroupLayoutChoice, WideSubgroupsWithArithmeticCooperate) {
    for (uint32_t size : {32u, 64u})
        EXPECT_EQ(vk::chooseGroupLayout({size, VK_SHADER_STAGE_COMPUTE_BIT, kArithmetic}, {}),
                  GroupLayout::Cooperative)
            << size;
}

TEST(GroupLayoutChoice, NarrowSubgroupsOrNoArithmeticStayPerInvocation) {
    // lavapipe: 8 lanes, arithmetic supported.
    EXPECT_EQ(vk::chooseGroupLayout({8, VK_SHADER_STAGE_COMPUTE_BIT, kArithmetic}, {}),
              GroupLayout::PerInvocation);
    EXPECT_EQ(
        vk::chooseGroupLayout({32, VK_SHADER_STAGE_COMPUTE_BIT, VK_SUBGROUP_FEATURE_BASIC_BIT}, {}),
        GroupLayout::PerInvocation);
    EXPECT_EQ(vk::chooseGroupLayout({32, VK_SHADER_STAGE_FRAGMENT_BIT, kArithmetic}, {}),
              GroupLayout::PerInvocation);
}

TEST(GroupLayoutChoice, ForcedLayoutOnlyWhereItRuns) {
    const vk::SubgroupSupport lavapipe{8, VK_SHADER_STAGE_COMPUTE_BIT, kArithmetic};
    const vk::SubgroupSupport gpu{32, VK_SHADER_STAGE_COMPUTE_BIT, kArithmetic};
    const vk::SubgroupSupport basic{32, VK_SHADER_STAGE_COMPUTE_BIT, VK_SUBGROUP_FEATURE_BASIC_BIT};
    EXPECT_EQ(vk::chooseGroupLayout(lavapipe, GroupLayout::Cooperative), GroupLayout::Cooperative);
    EXPECT_EQ(vk::chooseGroupLayout(gpu, GroupLayout::PerInvocation), GroupLayout::PerInvocation);
    EXPECT_EQ(vk::chooseGroupLayout(basic, GroupLayout::Cooperative), GroupLayout::PerInvocation);
}

TEST(DivisionPathChoice, EstimateOnGpusLongDivisionOnCpuDevicesUnlessForced) {
    using vk::DivisionPath;
    for (VkPhysicalDeviceType gpu :
         {VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU, VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU,
          VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU, VK_PHYSICAL_DEVICE_TYPE_OTHER}) {
        EXPECT_EQ(vk::chooseDivisionPath(gpu, {}), DivisionPath::ProvenEstimate) << gpu;
        EXPECT_EQ(vk::chooseDivisionPath(gpu, DivisionPath::LongDivision),
                  DivisionPath::LongDivision);
    }
    EXPECT_EQ(vk::chooseDivisionPath(VK_PHYSICAL_DEVICE_TYPE_CPU, {}), DivisionPath::LongDivision);
    EXPECT_EQ(vk::chooseDivisionPath(VK_PHYSICAL_DEVICE_TYPE_CPU, DivisionPath::ProvenEstimate),
              DivisionPath::ProvenEstimate);
}

TEST(KernelOptions, ReadFromTheEnvironment) {
    {
        EnvironmentVariable staging("QUANTLENS_VULKAN_FORCE_STAGING", "1");
        EnvironmentVariable layout("QUANTLENS_VULKAN_GROUP_LAYOUT", "cooperative");
        EnvironmentVariable division("QUANTLENS_VULKAN_DIVISION", "long");
        const auto options = vk::kernelOptionsFromEnvironment();
        EXPECT_TRUE(options.forceStaging);
        EXPECT_EQ(options.groupLayout, GroupLayout::Cooperative);
        EXPECT_EQ(options.division, vk::DivisionPath::LongDivision);
    }
    {
        EnvironmentVariable staging("QUANTLENS_VULKAN_FORCE_STAGING", "0");
        EnvironmentVariable layout("QUANTLENS_VULKAN_GROUP_LAYOUT", "per-invocation");
        EnvironmentVariable division("QUANTLENS_VULKAN_DIVISION", "estimate");
        const auto options = vk::kernelOptionsFromEnvironment();
        EXPECT_FALSE(options.forceStaging);
        EXPECT_EQ(options.groupLayout, GroupLayout::PerInvocation);
        EXPECT_EQ(options.division, vk::DivisionPath::ProvenEstimate);
    }
    {
        EnvironmentVariable division("QUANTLENS_VULKAN_DIVISION", "fast");
        try {
            vk::kernelOptionsFromEnvironment();
            FAIL() << "an unknown division path must be refused";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("QUANTLENS_VULKAN_DIVISION='fast'"),
                      std::string::npos)
                << e.what();
        }
    }
    EnvironmentVariable layout("QUANTLENS_VULKAN_GROUP_LAYOUT", "coop");
    try {
        vk::kernelOptionsFromEnvironment();
        FAIL() << "an unknown layout must be refused";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("QUANTLENS_VULKAN_GROUP_LAYOUT"), std::string::npos);
    }
}

TEST(KernelChoices, DescribedInWords) {
    const vk::KernelChoices gpu{MemoryPlacement::DeviceLocal, GroupLayout::Cooperative, 32,
                                vk::DivisionPath::ProvenEstimate};
    EXPECT_EQ(vk::describe(gpu), "device-local buffers with staging copies; one subgroup of 32 "
                                 "lanes per group; divisions from a proven estimate");
    const vk::KernelChoices cpu{MemoryPlacement::HostVisible, GroupLayout::PerInvocation, 8,
                                vk::DivisionPath::LongDivision};
    EXPECT_EQ(vk::describe(cpu),
              "host-visible buffers; one invocation per group; divisions by long division");
}

} // namespace
} // namespace ql::test
