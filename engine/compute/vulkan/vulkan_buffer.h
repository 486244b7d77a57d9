#pragma once
// Buffers of the kernels:
//  - HostBuffer: host-visible, host-coherent memory, mapped for its lifetime;
//  - KernelBuffer: what a shader binds. Under MemoryPlacement::HostVisible it is one
//    HostBuffer that the host writes and reads in place; under DeviceLocal (a discrete
//    GPU, where mapped memory is PCIe traffic on every shader access) it is a device-local
//    buffer plus a HostBuffer for staging, and the submission copies between them
//    (recordUpload / recordDownload) around the timed dispatches.
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

class KernelBuffer {
public:
    // The placement comes from device.choices().
    KernelBuffer(const Device& device, uint64_t bytes, HostBuffer::Use use);
    ~KernelBuffer();
    KernelBuffer(const KernelBuffer&) = delete;
    KernelBuffer& operator=(const KernelBuffer&) = delete;

    // What the shaders bind: the device-local buffer when staged.
    VkBuffer handle() const { return m_deviceBuffer ? m_deviceBuffer : m_host->handle(); }
    // The host's view: the staging buffer when staged. The host fills inputs (and guard
    // words) here before the submission and reads outputs after it.
    void* data() const { return m_host->data(); }
    uint64_t bytes() const { return m_host->bytes(); }
    bool staged() const { return m_deviceBuffer != VK_NULL_HANDLE; }

    // Staged only (nothing is recorded otherwise): copy bytes [offset, offset + size) from
    // the staging buffer to the device buffer (in the submission's upload part), or back
    // (in its download part).
    void recordUpload(VkCommandBuffer commands, uint64_t offset, uint64_t size) const;
    void recordDownload(VkCommandBuffer commands, uint64_t offset, uint64_t size) const;

private:
    void allocateDeviceLocal(const Device& device);
    void release();

    VkDevice m_device;
    std::unique_ptr<HostBuffer> m_host;
    VkBuffer m_deviceBuffer = VK_NULL_HANDLE;
    VkDeviceMemory m_deviceMemory = VK_NULL_HANDLE;
};

// Kernels keep their buffers across chunks and tensors: replaces buffer with a new one of
// `bytes` only when it is missing or smaller. Returns whether it did (descriptors must then
// be bound again).
bool growBuffer(const Device& device, std::unique_ptr<HostBuffer>& buffer, uint64_t bytes,
                HostBuffer::Use use);
bool growBuffer(const Device& device, std::unique_ptr<KernelBuffer>& buffer, uint64_t bytes,
                HostBuffer::Use use);

} // namespace ql::vk
