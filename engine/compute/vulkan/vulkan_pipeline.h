#pragma once
// A compute pipeline built from an embedded shader (shaders/<name>.comp), with one
// descriptor set of `bindings` storage buffers (binding i = buffers[i]) and a push
// constant block of `pushBytes`.
#include "engine/compute/vulkan/vulkan_device.h"

#include <cstdint>
#include <span>
#include <string>
#include <vulkan/vulkan.h>

namespace ql::vk {

// The name of the grouped shader `base` in the layout the device chose: base + "_coop"
// for GroupLayout::Cooperative (shaders/CMakeLists.txt compiles that variant).
std::string groupShader(const Device& device, const std::string& base);

class ComputePipeline {
public:
    ComputePipeline(const Device& device, const std::string& shaderName, uint32_t bindings,
                    uint32_t pushBytes);
    ~ComputePipeline();
    ComputePipeline(const ComputePipeline&) = delete;
    ComputePipeline& operator=(const ComputePipeline&) = delete;

    // Points the descriptor set at these buffers (whole ranges); call when they change.
    void bindBuffers(std::span<const VkBuffer> buffers);
    // Records bind + push constants + dispatch of `groups` workgroups along x.
    void recordDispatch(VkCommandBuffer commands, const void* push, uint32_t groups) const;

private:
    void createLayouts();
    void createPipeline(const std::string& shaderName);
    void createDescriptorSet();

    VkDevice m_device;
    VkPipelineCache m_cache;
    uint32_t m_bindings;
    uint32_t m_pushBytes;
    uint32_t m_longDivisionOnly; // specialization constant 0 (KernelChoices::division)
    VkDescriptorSetLayout m_setLayout = VK_NULL_HANDLE;
    VkPipelineLayout m_layout = VK_NULL_HANDLE;
    VkPipeline m_pipeline = VK_NULL_HANDLE;
    VkDescriptorPool m_pool = VK_NULL_HANDLE;
    VkDescriptorSet m_set = VK_NULL_HANDLE;
};

} // namespace ql::vk
