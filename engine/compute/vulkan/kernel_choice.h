#pragma once
// Why a format has no Vulkan kernel, in words for the log, the job record and the
// conformance suite's skips.
#include "engine/quant/formats.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vulkan/vulkan.h>

namespace ql::vk {

std::string whyNoVulkanKernel(QuantFormat format);

// What the host finishes after a device pass, as a suffix of the backend label ("" when the
// device computes everything): the double quantization of nf4-dq / fp4-dq's absmax.
std::string hostStepsOf(QuantFormat format);

// Where the kernels' inputs and outputs live.
enum class MemoryPlacement {
    HostVisible, // the shaders read and write mapped host memory (lavapipe, integrated GPUs)
    DeviceLocal, // device-local buffers, filled and read back by copies from host-visible
                 // staging buffers in the same submission (discrete GPUs)
};

// How quantize_groups.comp and quantize_int8_rowwise.comp lay out rows of several groups
// of at most 128 weights (g32/g64/g128, NF4/FP4's blocks of 64).
enum class GroupLayout {
    PerInvocation, // one invocation walks a whole group (no barrier, no subgroup operation)
    Cooperative,   // one subgroup per group: consecutive lanes read consecutive floats and
                   // reduce the range with subgroupMax (the *_coop shader variants)
};

// How the shaders divide (shaders/formats.glsl, qlDivBits): every path gives the IEEE
// quotient, bit for bit; they differ in cost. Passed to every pipeline as specialization
// constant 0 (QL_LONG_DIVISION_ONLY), so the path not taken is compiled out.
enum class DivisionPath {
    ProvenEstimate, // OpFDiv's estimate, corrected and proven by an exact integer remainder
                    // (about 25 operations; long division only where the proof fails)
    LongDivision,   // restoring long division, 25 steps (the shaders' only path until now)
};

// The device's subgroup properties (VkPhysicalDeviceSubgroupProperties).
struct SubgroupSupport {
    uint32_t size = 0;
    VkShaderStageFlags stages = 0;
    VkSubgroupFeatureFlags operations = 0;
};

// What the environment asks for, read in one place (kernelOptionsFromEnvironment):
//   QUANTLENS_VULKAN_FORCE_STAGING=1       device-local buffers and staging copies even
//                                          where all memory is host-visible (tests: the
//                                          conformance suite then exercises the copies);
//   QUANTLENS_VULKAN_GROUP_LAYOUT=cooperative | per-invocation
//                                          the group layout, whatever the device prefers
//                                          (cooperative still needs subgroup arithmetic);
//   QUANTLENS_VULKAN_DIVISION=estimate | long
//                                          the division path (the GPU script compares
//                                          both in one run).
struct KernelOptions {
    bool forceStaging = false;
    std::optional<GroupLayout> groupLayout;
    std::optional<DivisionPath> division;
};
// Throws ql::Error naming the variable for a value it does not know.
KernelOptions kernelOptionsFromEnvironment();

// DeviceLocal when the device has memory that is device-local and not host-visible (a
// discrete GPU's VRAM, where mapped buffers would put every access on the PCIe bus), or
// when forced; otherwise HostVisible (every device-local type is host-visible: nothing to
// gain from copies).
MemoryPlacement chooseMemoryPlacement(const VkPhysicalDeviceMemoryProperties& memory,
                                      bool forceStaging);

// Whether the cooperative shaders can run: subgroup arithmetic (and basic operations) in
// compute shaders.
bool cooperativeLayoutRuns(const SubgroupSupport& subgroups);
// Cooperative where it runs and subgroups have at least 32 lanes (a GPU: one 512-byte
// g128 group per subgroup load); a forced layout where it runs; else PerInvocation.
GroupLayout chooseGroupLayout(const SubgroupSupport& subgroups, std::optional<GroupLayout> forced);

// A forced path wins; otherwise LongDivision on a CPU device (lavapipe: measured no faster
// with the estimate, as its division is a vector loop whose cost the real shaders hide) and
// ProvenEstimate on a GPU, where it saves about 100 instructions per weight in the shaders
// that divide every weight, and a branch skips the untaken fallback.
DivisionPath chooseDivisionPath(VkPhysicalDeviceType type, std::optional<DivisionPath> forced);

// The choices a device's kernels run with, in words for the log and the bench output.
struct KernelChoices {
    MemoryPlacement placement = MemoryPlacement::HostVisible;
    GroupLayout groupLayout = GroupLayout::PerInvocation;
    uint32_t subgroupSize = 0;
    DivisionPath division = DivisionPath::ProvenEstimate;
};
std::string describe(const KernelChoices& choices);

} // namespace ql::vk
