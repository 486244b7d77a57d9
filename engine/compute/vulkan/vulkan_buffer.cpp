#include "engine/compute/vulkan/vulkan_buffer.h"

#include "engine/compute/vulkan/vulkan_check.h"
#include "engine/core/error.h"

#include <optional>

namespace ql::vk {
namespace {

constexpr VkMemoryPropertyFlags kHostMemory =
    VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;

std::optional<uint32_t> memoryType(const VkPhysicalDeviceMemoryProperties& props, uint32_t allowed,
                                   VkMemoryPropertyFlags wanted) {
    for (uint32_t i = 0; i < props.memoryTypeCount; ++i)
        if ((allowed & (1u << i)) && (props.memoryTypes[i].propertyFlags & wanted) == wanted)
            return i;
    return std::nullopt;
}

} // namespace

HostBuffer::HostBuffer(const Device& device, uint64_t bytes, Use use)
    : m_device(device.handle())
    , m_bytes(bytes) {
    auto info = make<VkBufferCreateInfo>(VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO);
    info.size = bytes;
    // Transfer usage: the same buffer serves as a staging buffer for a KernelBuffer.
    info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                 VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    check(vkCreateBuffer(m_device, &info, nullptr, &m_buffer), "vkCreateBuffer");
    try {
        allocate(device, use);
    } catch (...) {
        release();
        throw;
    }
}

void HostBuffer::allocate(const Device& device, Use use) {
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(m_device, m_buffer, &req);
    const VkMemoryPropertyFlags preferred =
        kHostMemory | (use == Use::Upload ? VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT
                                          : VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
    auto alloc = make<VkMemoryAllocateInfo>(VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO);
    alloc.allocationSize = req.size;
    VkResult result = VK_ERROR_OUT_OF_DEVICE_MEMORY;
    // Device-local host-visible memory (resizable BAR) can be small: fall back to plain
    // host memory when the preferred type is missing or full.
    for (VkMemoryPropertyFlags wanted : {preferred, kHostMemory}) {
        auto type = memoryType(device.memory(), req.memoryTypeBits, wanted);
        if (!type)
            continue;
        alloc.memoryTypeIndex = *type;
        result = vkAllocateMemory(m_device, &alloc, nullptr, &m_memory);
        if (result == VK_SUCCESS)
            break;
    }
    if (result != VK_SUCCESS && !memoryType(device.memory(), req.memoryTypeBits, kHostMemory))
        throw Error("vulkan: the device offers no host-visible coherent memory for buffers");
    check(result, "vkAllocateMemory");
    check(vkBindBufferMemory(m_device, m_buffer, m_memory, 0), "vkBindBufferMemory");
    check(vkMapMemory(m_device, m_memory, 0, VK_WHOLE_SIZE, 0, &m_mapped), "vkMapMemory");
}

HostBuffer::~HostBuffer() {
    release();
}

void HostBuffer::release() {
    if (m_memory)
        vkFreeMemory(m_device, m_memory, nullptr); // unmaps implicitly
    if (m_buffer)
        vkDestroyBuffer(m_device, m_buffer, nullptr);
    m_memory = VK_NULL_HANDLE;
    m_buffer = VK_NULL_HANDLE;
}

KernelBuffer::KernelBuffer(const Device& device, uint64_t bytes, HostBuffer::Use use)
    : m_device(device.handle())
    , m_host(std::make_unique<HostBuffer>(device, bytes, use)) {
    if (device.choices().placement != MemoryPlacement::DeviceLocal)
        return;
    try {
        allocateDeviceLocal(device);
    } catch (...) {
        release();
        throw;
    }
}

KernelBuffer::~KernelBuffer() {
    release();
}

// Prefers memory that is device-local and not host-visible (VRAM that the host cannot map
// is where a discrete GPU's bandwidth is); takes any device-local type otherwise (a forced
// staging path on lavapipe, whose every type is host-visible).
void KernelBuffer::allocateDeviceLocal(const Device& device) {
    auto info = make<VkBufferCreateInfo>(VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO);
    info.size = m_host->bytes();
    info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                 VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    check(vkCreateBuffer(m_device, &info, nullptr, &m_deviceBuffer), "vkCreateBuffer");
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(m_device, m_deviceBuffer, &req);
    const auto& props = device.memory();
    std::optional<uint32_t> type;
    for (uint32_t i = 0; i < props.memoryTypeCount && !type; ++i) {
        const VkMemoryPropertyFlags flags = props.memoryTypes[i].propertyFlags;
        if ((req.memoryTypeBits & (1u << i)) && (flags & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT) &&
            !(flags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT))
            type = i;
    }
    if (!type)
        type = memoryType(props, req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    if (!type)
        throw Error("vulkan: the device offers no device-local memory for buffers");
    auto alloc = make<VkMemoryAllocateInfo>(VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO);
    alloc.allocationSize = req.size;
    alloc.memoryTypeIndex = *type;
    check(vkAllocateMemory(m_device, &alloc, nullptr, &m_deviceMemory), "vkAllocateMemory");
    check(vkBindBufferMemory(m_device, m_deviceBuffer, m_deviceMemory, 0), "vkBindBufferMemory");
}

void KernelBuffer::release() {
    if (m_deviceMemory)
        vkFreeMemory(m_device, m_deviceMemory, nullptr);
    if (m_deviceBuffer)
        vkDestroyBuffer(m_device, m_deviceBuffer, nullptr);
    m_deviceMemory = VK_NULL_HANDLE;
    m_deviceBuffer = VK_NULL_HANDLE;
}

void KernelBuffer::recordUpload(VkCommandBuffer commands, uint64_t offset, uint64_t size) const {
    if (!staged() || size == 0)
        return;
    const VkBufferCopy region{offset, offset, size};
    vkCmdCopyBuffer(commands, m_host->handle(), m_deviceBuffer, 1, &region);
}

void KernelBuffer::recordDownload(VkCommandBuffer commands, uint64_t offset, uint64_t size) const {
    if (!staged() || size == 0)
        return;
    const VkBufferCopy region{offset, offset, size};
    vkCmdCopyBuffer(commands, m_deviceBuffer, m_host->handle(), 1, &region);
}

namespace {

template <class Buffer>
bool grow(const Device& device, std::unique_ptr<Buffer>& buffer, uint64_t bytes,
          HostBuffer::Use use) {
    if (buffer && buffer->bytes() >= bytes)
        return false;
    buffer.reset(); // free the old one before allocating its successor
    buffer = std::make_unique<Buffer>(device, bytes, use);
    return true;
}

} // namespace

bool growBuffer(const Device& device, std::unique_ptr<HostBuffer>& buffer, uint64_t bytes,
                HostBuffer::Use use) {
    return grow(device, buffer, bytes, use);
}

bool growBuffer(const Device& device, std::unique_ptr<KernelBuffer>& buffer, uint64_t bytes,
                HostBuffer::Use use) {
    return grow(device, buffer, bytes, use);
}

} // namespace ql::vk
