#pragma once
// Physical device choice, the logical device with one compute queue, and a one-shot
// submit (record, submit, wait on a fence) for the kernels.
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

    // Records with `record`, submits, and waits. Throws VulkanFault on device loss,
    // out-of-memory or a timeout.
    void submitAndWait(const std::function<void(VkCommandBuffer)>& record);

private:
    std::shared_ptr<Instance> m_instance;
    VkPhysicalDevice m_physical = VK_NULL_HANDLE;
    VkPhysicalDeviceProperties m_properties{};
    VkPhysicalDeviceMemoryProperties m_memory{};
    uint64_t m_maxAllocation = 0;
    VkDevice m_device = VK_NULL_HANDLE;
    VkQueue m_queue = VK_NULL_HANDLE;
    VkCommandPool m_pool = VK_NULL_HANDLE;
    VkCommandBuffer m_commands = VK_NULL_HANDLE;
    VkFence m_fence = VK_NULL_HANDLE;
};

} // namespace ql::vk
