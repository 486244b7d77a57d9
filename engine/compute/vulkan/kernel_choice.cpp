#include "engine/compute/vulkan/kernel_choice.h"

#include "engine/core/error.h"

#include <algorithm>
#include <cstdlib>
#include <string_view>

namespace ql::vk {

// Every format of the table has a shader: every GGUF K-quant, IQ4_NL and q4_k-lsq
// (quantize_q2_k.comp, quantize_q3_k.comp, quantize_k4.comp, quantize_q6_k.comp,
// quantize_iq4_nl.comp, quantize_q4_k_lsq.comp: their searches are short loops over 16 or 32
// values in registers, independent per sub-block, which a GPU runs one sub-block per
// invocation), and HQQ (hqq_round.comp, one dispatch per round, the stop decided on the
// host). The words below are for a format added to the table without one.
std::string whyNoVulkanKernel(QuantFormat format) {
    const auto& info = quantFormatInfo(format);
    return "no Vulkan kernel for " + std::string(info.name) + " (method " +
           std::string(info.method) + "); the CPU runs it";
}

// nf4-dq / fp4-dq split their work: the device computes the 4-bit codes and the f32 absmax
// of every 64-value block (shaders/quantize_groups.comp, identical to the reference), and
// the host then double-quantizes those absmax values (finishDoubleQuant: their mean over
// the whole tensor, bnb's 8-bit dynamic map by binary search, blocks of 256). That step
// reads one float per 64 weights (1/64 of the data), needs the tensor-wide mean before any
// block can be coded, and its binary search over a 256-entry table is cheap on the CPU; a
// device pass would cost a second round trip for under 2% of the work. The label says so,
// so every stored result names the split.
std::string hostStepsOf(QuantFormat format) {
    if (quantFormatInfo(format).doubleQuant)
        return " + host (absmax double quantization)";
    return {};
}

namespace {

// The value of an environment variable that picks one of two choices: nullopt when unset
// or empty; ql::Error naming the variable and both words for anything else.
template <typename Choice>
std::optional<Choice> choiceFromEnvironment(const char* variable, std::string_view first,
                                            Choice firstChoice, std::string_view second,
                                            Choice secondChoice) {
    const char* text = std::getenv(variable);
    if (!text || !*text)
        return std::nullopt;
    const std::string_view value(text);
    if (value == first)
        return firstChoice;
    if (value == second)
        return secondChoice;
    throw Error(std::string(variable) + "='" + std::string(value) + "': expected '" +
                std::string(first) + "' or '" + std::string(second) + "'");
}

} // namespace

KernelOptions kernelOptionsFromEnvironment() {
    KernelOptions options;
    if (const char* staging = std::getenv("QUANTLENS_VULKAN_FORCE_STAGING"))
        options.forceStaging = std::string_view(staging) == "1";
    options.groupLayout = choiceFromEnvironment("QUANTLENS_VULKAN_GROUP_LAYOUT", "cooperative",
                                                GroupLayout::Cooperative, "per-invocation",
                                                GroupLayout::PerInvocation);
    options.division =
        choiceFromEnvironment("QUANTLENS_VULKAN_DIVISION", "estimate", DivisionPath::ProvenEstimate,
                              "long", DivisionPath::LongDivision);
    return options;
}

MemoryPlacement chooseMemoryPlacement(const VkPhysicalDeviceMemoryProperties& memory,
                                      bool forceStaging) {
    if (forceStaging)
        return MemoryPlacement::DeviceLocal;
    const uint32_t count = std::min<uint32_t>(memory.memoryTypeCount, VK_MAX_MEMORY_TYPES);
    for (uint32_t i = 0; i < count; ++i) {
        const VkMemoryPropertyFlags flags = memory.memoryTypes[i].propertyFlags;
        if ((flags & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT) &&
            !(flags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT))
            return MemoryPlacement::DeviceLocal;
    }
    return MemoryPlacement::HostVisible;
}

bool cooperativeLayoutRuns(const SubgroupSupport& subgroups) {
    constexpr VkSubgroupFeatureFlags needed =
        VK_SUBGROUP_FEATURE_BASIC_BIT | VK_SUBGROUP_FEATURE_ARITHMETIC_BIT;
    return subgroups.size > 0 && (subgroups.stages & VK_SHADER_STAGE_COMPUTE_BIT) &&
           (subgroups.operations & needed) == needed;
}

// Below 32 lanes (lavapipe's 8, some mobile GPUs' 4 or 16) a subgroup reads less than one
// 128-weight group per load and the reduction's extra steps buy nothing on a CPU driver:
// the per-invocation layout stays the default there, and tests force the other one.
GroupLayout chooseGroupLayout(const SubgroupSupport& subgroups, std::optional<GroupLayout> forced) {
    if (!cooperativeLayoutRuns(subgroups))
        return GroupLayout::PerInvocation;
    if (forced)
        return *forced;
    return subgroups.size >= 32 ? GroupLayout::Cooperative : GroupLayout::PerInvocation;
}

DivisionPath chooseDivisionPath(VkPhysicalDeviceType type, std::optional<DivisionPath> forced) {
    if (forced)
        return *forced;
    return type == VK_PHYSICAL_DEVICE_TYPE_CPU ? DivisionPath::LongDivision
                                               : DivisionPath::ProvenEstimate;
}

std::string describe(const KernelChoices& choices) {
    const std::string memory = choices.placement == MemoryPlacement::DeviceLocal
                                   ? "device-local buffers with staging copies"
                                   : "host-visible buffers";
    const std::string groups =
        choices.groupLayout == GroupLayout::Cooperative
            ? "one subgroup of " + std::to_string(choices.subgroupSize) + " lanes per group"
            : "one invocation per group";
    const std::string division = choices.division == DivisionPath::LongDivision
                                     ? "divisions by long division"
                                     : "divisions from a proven estimate";
    return memory + "; " + groups + "; " + division;
}

} // namespace ql::vk
