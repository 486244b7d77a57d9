#include "engine/compute/vulkan/vulkan_pipeline.h"

#include "engine/compute/vulkan/vulkan_check.h"
#include "engine/core/error.h"
#include "shaders/shader_registry.h"

#include <vector>

namespace ql::vk {

std::string groupShader(const Device& device, const std::string& base) {
    return device.choices().groupLayout == GroupLayout::Cooperative ? base + "_coop" : base;
}

ComputePipeline::ComputePipeline(const Device& device, const std::string& shaderName,
                                 uint32_t bindings, uint32_t pushBytes)
    : m_device(device.handle())
    , m_cache(device.pipelineCache())
    , m_bindings(bindings)
    , m_pushBytes(pushBytes)
    , m_longDivisionOnly(device.choices().division == DivisionPath::LongDivision ? 1u : 0u) {
    createLayouts();
    createPipeline(shaderName);
    createDescriptorSet();
}

ComputePipeline::~ComputePipeline() {
    if (m_pool)
        vkDestroyDescriptorPool(m_device, m_pool, nullptr);
    if (m_pipeline)
        vkDestroyPipeline(m_device, m_pipeline, nullptr);
    if (m_layout)
        vkDestroyPipelineLayout(m_device, m_layout, nullptr);
    if (m_setLayout)
        vkDestroyDescriptorSetLayout(m_device, m_setLayout, nullptr);
}

void ComputePipeline::createLayouts() {
    std::vector<VkDescriptorSetLayoutBinding> bindings(m_bindings);
    for (uint32_t i = 0; i < m_bindings; ++i)
        bindings[i] = {i, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT,
                       nullptr};
    auto setInfo =
        make<VkDescriptorSetLayoutCreateInfo>(VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO);
    setInfo.bindingCount = m_bindings;
    setInfo.pBindings = bindings.data();
    check(vkCreateDescriptorSetLayout(m_device, &setInfo, nullptr, &m_setLayout),
          "vkCreateDescriptorSetLayout");

    VkPushConstantRange push{VK_SHADER_STAGE_COMPUTE_BIT, 0, m_pushBytes};
    auto layoutInfo =
        make<VkPipelineLayoutCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO);
    layoutInfo.setLayoutCount = 1;
    layoutInfo.pSetLayouts = &m_setLayout;
    layoutInfo.pushConstantRangeCount = m_pushBytes ? 1 : 0;
    layoutInfo.pPushConstantRanges = &push;
    check(vkCreatePipelineLayout(m_device, &layoutInfo, nullptr, &m_layout),
          "vkCreatePipelineLayout");
}

void ComputePipeline::createPipeline(const std::string& shaderName) {
    const auto words = shaders::spirv(shaderName);
    if (words.empty())
        throw Error("vulkan: shader '" + shaderName + "' is not embedded in this build");
    auto moduleInfo = make<VkShaderModuleCreateInfo>(VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO);
    moduleInfo.codeSize = words.size_bytes();
    moduleInfo.pCode = words.data();
    VkShaderModule module = VK_NULL_HANDLE;
    check(vkCreateShaderModule(m_device, &moduleInfo, nullptr, &module), "vkCreateShaderModule");

    auto info = make<VkComputePipelineCreateInfo>(VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO);
    info.stage =
        make<VkPipelineShaderStageCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO);
    info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    info.stage.module = module;
    info.stage.pName = "main";
    // Specialization constant 0 of every shader that divides (formats.glsl): entries for
    // constants a shader does not declare are ignored, so every pipeline gets it.
    const VkSpecializationMapEntry entry{0, 0, sizeof(uint32_t)};
    const VkSpecializationInfo specialization{1, &entry, sizeof(uint32_t), &m_longDivisionOnly};
    info.stage.pSpecializationInfo = &specialization;
    info.layout = m_layout;
    VkResult result = vkCreateComputePipelines(m_device, m_cache, 1, &info, nullptr, &m_pipeline);
    vkDestroyShaderModule(m_device, module, nullptr);
    check(result, "vkCreateComputePipelines(" + shaderName + ")");
}

void ComputePipeline::createDescriptorSet() {
    VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, m_bindings};
    auto poolInfo = make<VkDescriptorPoolCreateInfo>(VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO);
    poolInfo.maxSets = 1;
    poolInfo.poolSizeCount = 1;
    poolInfo.pPoolSizes = &size;
    check(vkCreateDescriptorPool(m_device, &poolInfo, nullptr, &m_pool), "vkCreateDescriptorPool");
    auto alloc = make<VkDescriptorSetAllocateInfo>(VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO);
    alloc.descriptorPool = m_pool;
    alloc.descriptorSetCount = 1;
    alloc.pSetLayouts = &m_setLayout;
    check(vkAllocateDescriptorSets(m_device, &alloc, &m_set), "vkAllocateDescriptorSets");
}

void ComputePipeline::bindBuffers(std::span<const VkBuffer> buffers) {
    std::vector<VkDescriptorBufferInfo> infos(buffers.size());
    std::vector<VkWriteDescriptorSet> writes(buffers.size());
    for (size_t i = 0; i < buffers.size(); ++i) {
        infos[i] = {buffers[i], 0, VK_WHOLE_SIZE};
        writes[i] = make<VkWriteDescriptorSet>(VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET);
        writes[i].dstSet = m_set;
        writes[i].dstBinding = uint32_t(i);
        writes[i].descriptorCount = 1;
        writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        writes[i].pBufferInfo = &infos[i];
    }
    vkUpdateDescriptorSets(m_device, uint32_t(writes.size()), writes.data(), 0, nullptr);
}

void ComputePipeline::recordDispatch(VkCommandBuffer commands, const void* push,
                                     uint32_t groups) const {
    vkCmdBindPipeline(commands, VK_PIPELINE_BIND_POINT_COMPUTE, m_pipeline);
    vkCmdBindDescriptorSets(commands, VK_PIPELINE_BIND_POINT_COMPUTE, m_layout, 0, 1, &m_set, 0,
                            nullptr);
    if (m_pushBytes)
        vkCmdPushConstants(commands, m_layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, m_pushBytes, push);
    vkCmdDispatch(commands, groups, 1, 1);
    // Makes the shader's writes visible to the host once the fence has signalled, and to
    // a dispatch recorded after this one (the error sums read the codes just written).
    auto barrier = make<VkMemoryBarrier>(VK_STRUCTURE_TYPE_MEMORY_BARRIER);
    barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
    barrier.dstAccessMask = VK_ACCESS_HOST_READ_BIT | VK_ACCESS_SHADER_READ_BIT;
    vkCmdPipelineBarrier(commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                         VK_PIPELINE_STAGE_HOST_BIT | VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1,
                         &barrier, 0, nullptr, 0, nullptr);
}

} // namespace ql::vk
