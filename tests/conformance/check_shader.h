#pragma once
// Runs one of the test-only check shaders (division_check, sqrt_check, fma_check): items in
// at binding 0, `outWordsPerItem` result words each at binding 1, the item count as the
// push constant, 64 invocations per workgroup. Returns the result words.
#include "engine/compute/vulkan/vulkan_buffer.h"
#include "engine/compute/vulkan/vulkan_device.h"
#include "engine/compute/vulkan/vulkan_pipeline.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace ql::test {

template <typename Item>
std::vector<uint32_t> runCheckShader(vk::Device& device, const std::string& shader,
                                     const std::vector<Item>& items, uint32_t outWordsPerItem) {
    constexpr uint32_t kLocalSize = 64; // local_size_x of every check shader
    const uint32_t count = uint32_t(items.size());
    const uint64_t outWords = uint64_t(count) * outWordsPerItem;
    vk::ComputePipeline pipeline(device, shader, 2, sizeof(uint32_t));
    vk::HostBuffer in(device, uint64_t(count) * sizeof(Item), vk::HostBuffer::Use::Upload);
    vk::HostBuffer out(device, outWords * 4, vk::HostBuffer::Use::Readback);
    std::memcpy(in.data(), items.data(), size_t(count) * sizeof(Item));
    const VkBuffer buffers[2] = {in.handle(), out.handle()};
    pipeline.bindBuffers(buffers);
    device.submitAndWait([&](VkCommandBuffer commands) {
        pipeline.recordDispatch(commands, &count, (count + kLocalSize - 1) / kLocalSize);
    });
    const auto* words = static_cast<const uint32_t*>(out.data());
    return std::vector<uint32_t>(words, words + outWords);
}

} // namespace ql::test
