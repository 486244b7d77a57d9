#pragma once
// The Vulkan instance, with the Khronos validation layer when it is asked for (built
// with QUANTLENS_VULKAN_VALIDATION, or QUANTLENS_VULKAN_VALIDATION=1 in the environment)
// and installed. Validation messages go to stderr; errors are counted so that tests can
// require none.
#include <atomic>
#include <memory>
#include <string>
#include <vulkan/vulkan.h>

namespace ql::vk {

class Instance {
public:
    // Null, with `why` filled, when there is no driver (VK_ERROR_INCOMPATIBLE_DRIVER).
    static std::unique_ptr<Instance> create(std::string& why);
    ~Instance();
    Instance(const Instance&) = delete;
    Instance& operator=(const Instance&) = delete;

    VkInstance handle() const { return m_instance; }
    bool validationEnabled() const { return m_messenger != VK_NULL_HANDLE; }
    int validationErrors() const { return m_validationErrors.load(); }

private:
    Instance() = default;
    void installMessenger();
    static VKAPI_ATTR VkBool32 VKAPI_CALL onMessage(
        VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT types,
        const VkDebugUtilsMessengerCallbackDataEXT* data, void* self);

    VkInstance m_instance = VK_NULL_HANDLE;
    VkDebugUtilsMessengerEXT m_messenger = VK_NULL_HANDLE;
    std::atomic<int> m_validationErrors{0};
};

} // namespace ql::vk
