#pragma once
// A storage buffer in host-visible, host-coherent memory, mapped for its lifetime. The
// host writes inputs and reads outputs in place; on a discrete GPU that is PCIe traffic
// (a device-local copy with staging is the next step if transfers dominate).
#include "engine/compute/vulkan/vulkan_device.h"

#include <cstdint>
#include <memory>
#include <vulkan/vulkan.h>

namespace ql::vk {

class HostBuffer {
public:
    enum class Use { Upload, Readback }; // picks device-local or cached memory when offered
    HostBuffer(const Device& device, uint64_t bytes, Use use);
    ~HostBuffer();
    HostBuffer(const HostBuffer&) = delete;
    HostBuffer& operator=(const HostBuffer&) = delete;

    VkBuffer handle() const { return m_buffer; }
    uint64_t bytes() const { return m_bytes; }
    void* data() const { return m_mapped; }

private:
    void allocate(const Device& device, Use use);
    void release();

    VkDevice m_device;
    uint64_t m_bytes;
    VkBuffer m_buffer = VK_NULL_HANDLE;
    VkDeviceMemory m_memory = VK_NULL_HANDLE;
    void* m_mapped = nullptr;
};

// Kernels keep their buffers across chunks and tensors: replaces buffer with a new one of
// `bytes` only when it is missing or smaller. Returns whether it did (descriptors must then
// be bound again).
bool growBuffer(const Device& device, std::unique_ptr<HostBuffer>& buffer, uint64_t bytes,
                HostBuffer::Use use);

} // namespace ql::vk
