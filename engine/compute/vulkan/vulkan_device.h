#pragma once
// Physical device choice, the logical device with one compute queue, and a one-shot
// submit (record, submit, wait on a fence) for the kernels.
#include "engine/compute/vulkan/kernel_choice.h"
#include "engine/compute/vulkan/pipeline_cache.h"
#include "engine/compute/vulkan/vulkan_instance.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vulkan/vulkan.h>

namespace ql::vk {

struct PhysicalChoice {
    VkPhysicalDevice device = VK_NULL_HANDLE;
    uint32_t queueFamily = 0;
    std::string why; // when device is null: why no device fits
};

// index >= 0 picks that device; otherwise discrete, then integrated, then virtual, then
// CPU (lavapipe). Devices need Vulkan 1.2 and a compute queue.
PhysicalChoice choosePhysicalDevice(VkInstance instance, int index);

class Device {
public:
    Device(std::shared_ptr<Instance> instance, const PhysicalChoice& choice);
    ~Device();
    Device(const Device&) = delete;
    Device& operator=(const Device&) = delete;

    VkDevice handle() const { return m_device; }
    VkPhysicalDevice physical() const { return m_physical; }
    const VkPhysicalDeviceProperties& properties() const { return m_properties; }
    const VkPhysicalDeviceMemoryProperties& memory() const { return m_memory; }
    uint64_t maxAllocationBytes() const { return m_maxAllocation; }
    const Instance& instance() const { return *m_instance; }
    const PipelineCacheIdentity& identity() const { return m_identity; }
    VkPipelineCache pipelineCache() const { return m_pipelineCache->handle(); }
    const PipelineCache& pipelineCacheFile() const { return *m_pipelineCache; }

    // Memory placement and group layout for this device's kernels (kernel_choice.h), chosen
    // once from its properties and the environment's options.
    const KernelChoices& choices() const { return m_choices; }

    // One submission in three parts: `upload` records copies into device-local buffers,
    // `kernel` the dispatches, `download` copies back to staging buffers. Either copy part
    // may be empty. The barriers between the parts are recorded here, and the GPU
    // timestamps (deviceSeconds) enclose `kernel` only.
    struct Submission {
        std::function<void(VkCommandBuffer)> upload;
        std::function<void(VkCommandBuffer)> kernel;
        std::function<void(VkCommandBuffer)> download;
    };
    // Records, submits, and waits. Throws VulkanFault on device loss, out-of-memory or a
    // timeout.
    void submitAndWait(const Submission& submission);
    void submitAndWait(const std::function<void(VkCommandBuffer)>& kernel) {
        submitAndWait(Submission{{}, kernel, {}});
    }
    // The `submits`-th submission from now throws VulkanFault as VK_ERROR_DEVICE_LOST
    // would; 0 disarms. For the tests of the CPU fallback.
    void failSubmitForTesting(int submits) { m_failSubmit = submits; }
    // Seconds the device spent in the kernel parts of the submissions since the last reset
    // (GPU timestamps around them, staging copies excluded); 0 when the queue has no
    // timestamps. Lets benchmarks separate kernel time from copies.
    double deviceSeconds() const { return m_deviceSeconds; }
    void resetDeviceSeconds() { m_deviceSeconds = 0; }

private:
    void createTimestampPool(uint32_t queueFamily);
    void addTimestampSeconds();
    void chooseKernels(const VkPhysicalDeviceSubgroupProperties& subgroups);

    std::shared_ptr<Instance> m_instance;
    VkPhysicalDevice m_physical = VK_NULL_HANDLE;
    VkPhysicalDeviceProperties m_properties{};
    VkPhysicalDeviceMemoryProperties m_memory{};
    uint64_t m_maxAllocation = 0;
    KernelChoices m_choices;
    PipelineCacheIdentity m_identity;
    VkDevice m_device = VK_NULL_HANDLE;
    std::unique_ptr<PipelineCache> m_pipelineCache;
    VkQueue m_queue = VK_NULL_HANDLE;
    VkCommandPool m_pool = VK_NULL_HANDLE;
    VkCommandBuffer m_commands = VK_NULL_HANDLE;
    VkFence m_fence = VK_NULL_HANDLE;
    int m_failSubmit = 0;
    VkQueryPool m_timestamps = VK_NULL_HANDLE; // two queries; null without timestamp support
    double m_timestampPeriodNs = 0;
    double m_deviceSeconds = 0;
};

} // namespace ql::vk
