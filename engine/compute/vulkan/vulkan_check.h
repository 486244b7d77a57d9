#pragma once
// VkResult to exceptions: faults the CPU can recover from become VulkanFault, anything
// else (a programming error or an unusable driver) becomes ql::Error.
#include <string_view>
#include <vulkan/vulkan.h>

namespace ql::vk {

const char* resultName(VkResult result);
// True for the results after which a job should rerun on the CPU.
bool isFault(VkResult result);
// Throws unless result is VK_SUCCESS; `what` names the call ("vkQueueSubmit").
void check(VkResult result, std::string_view what);

// A zeroed Vulkan info struct with its sType set (avoids brace-init warnings).
template <class T> T make(VkStructureType type) {
    T value{};
    value.sType = type;
    return value;
}

} // namespace ql::vk
