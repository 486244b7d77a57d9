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
    info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
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

bool growBuffer(const Device& device, std::unique_ptr<HostBuffer>& buffer, uint64_t bytes,
                HostBuffer::Use use) {
    if (buffer && buffer->bytes() >= bytes)
        return false;
    buffer.reset(); // free the old one before allocating its successor
    buffer = std::make_unique<HostBuffer>(device, bytes, use);
    return true;
}

} // namespace ql::vk
