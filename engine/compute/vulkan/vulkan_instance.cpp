#include "engine/compute/vulkan/vulkan_instance.h"

#include "engine/compute/vulkan/vulkan_check.h"

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <vector>

namespace ql::vk {
namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";

bool validationRequested() {
#ifdef QUANTLENS_VULKAN_VALIDATION
    return true;
#else
    const char* env = std::getenv("QUANTLENS_VULKAN_VALIDATION");
    return env && std::strcmp(env, "1") == 0;
#endif
}

bool layerPresent(const char* name) {
    uint32_t count = 0;
    vkEnumerateInstanceLayerProperties(&count, nullptr);
    std::vector<VkLayerProperties> layers(count);
    vkEnumerateInstanceLayerProperties(&count, layers.data());
    for (const auto& layer : layers)
        if (std::strcmp(layer.layerName, name) == 0)
            return true;
    return false;
}

bool extensionPresent(const char* name) {
    uint32_t count = 0;
    vkEnumerateInstanceExtensionProperties(nullptr, &count, nullptr);
    std::vector<VkExtensionProperties> extensions(count);
    vkEnumerateInstanceExtensionProperties(nullptr, &count, extensions.data());
    for (const auto& extension : extensions)
        if (std::strcmp(extension.extensionName, name) == 0)
            return true;
    return false;
}

} // namespace

std::unique_ptr<Instance> Instance::create(std::string& why) {
    auto app = make<VkApplicationInfo>(VK_STRUCTURE_TYPE_APPLICATION_INFO);
    app.pApplicationName = "Quantlens";
    app.pEngineName = "quantlens_engine";
    app.apiVersion = VK_API_VERSION_1_2; // the shaders are SPIR-V 1.5

    std::vector<const char*> layers;
    std::vector<const char*> extensions;
    auto info = make<VkInstanceCreateInfo>(VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO);
    const bool validate = validationRequested() && layerPresent(kValidationLayer) &&
                          extensionPresent(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    if (validationRequested() && !validate)
        std::cerr << "quantlens: Vulkan validation requested but " << kValidationLayer
                  << " is not installed\n";
    if (validate) {
        layers.push_back(kValidationLayer);
        extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    }
    // Lets portability drivers (MoltenVK) be enumerated; harmless elsewhere.
    if (extensionPresent(VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME)) {
        extensions.push_back(VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME);
        info.flags |= VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR;
    }
    info.pApplicationInfo = &app;
    info.enabledLayerCount = uint32_t(layers.size());
    info.ppEnabledLayerNames = layers.data();
    info.enabledExtensionCount = uint32_t(extensions.size());
    info.ppEnabledExtensionNames = extensions.data();

    std::unique_ptr<Instance> instance(new Instance);
    VkResult result = vkCreateInstance(&info, nullptr, &instance->m_instance);
    if (result != VK_SUCCESS) {
        why = std::string("no Vulkan driver: vkCreateInstance returned ") + resultName(result);
        return nullptr;
    }
    if (validate)
        instance->installMessenger();
    return instance;
}

void Instance::installMessenger() {
    auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(m_instance, "vkCreateDebugUtilsMessengerEXT"));
    if (!create)
        return;
    auto info = make<VkDebugUtilsMessengerCreateInfoEXT>(
        VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT);
    info.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    info.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
    info.pfnUserCallback = &Instance::onMessage;
    info.pUserData = this;
    check(create(m_instance, &info, nullptr, &m_messenger), "vkCreateDebugUtilsMessengerEXT");
}

VKAPI_ATTR VkBool32 VKAPI_CALL Instance::onMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                   VkDebugUtilsMessageTypeFlagsEXT,
                                                   const VkDebugUtilsMessengerCallbackDataEXT* data,
                                                   void* self) {
    const bool error = severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    if (error)
        static_cast<Instance*>(self)->m_validationErrors++;
    std::cerr << "vulkan validation " << (error ? "error" : "warning") << ": "
              << (data && data->pMessage ? data->pMessage : "") << "\n";
    return VK_FALSE;
}

Instance::~Instance() {
    if (m_messenger) {
        auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
            vkGetInstanceProcAddr(m_instance, "vkDestroyDebugUtilsMessengerEXT"));
        if (destroy)
            destroy(m_instance, m_messenger, nullptr);
    }
    if (m_instance)
        vkDestroyInstance(m_instance, nullptr);
}

} // namespace ql::vk
