#include "engine/compute/backend.h"

#include <cstdlib>
#include <string_view>

namespace ql {
namespace {

bool vulkanDisabledByEnvironment() {
    const char* env = std::getenv("QUANTLENS_VULKAN");
    return env && std::string_view(env) == "0";
}

} // namespace

BackendSet::BackendSet(Preference preference, int vulkanDevice)
    : m_cpu(makeCpuBackend()) {
    if (preference == Preference::Cpu) {
        m_vulkanMessage = "Vulkan not requested (--device cpu)";
        return;
    }
    if (vulkanDisabledByEnvironment()) {
        m_vulkanMessage = "Vulkan disabled by QUANTLENS_VULKAN=0";
        return;
    }
    VulkanProbe probe =
        makeVulkanBackend(vulkanDevice, preference == Preference::Vulkan || vulkanDevice >= 0);
    m_vulkan = std::move(probe.backend);
    m_vulkanMessage = std::move(probe.message);
}

ComputeBackend& BackendSet::choose(QuantFormat format, int64_t rows, int64_t cols) {
    if (m_vulkan && m_vulkan->supports(format, rows, cols).ok)
        return *m_vulkan;
    return *m_cpu;
}

void BackendSet::disableVulkan(const std::string& reason) {
    m_vulkan.reset();
    m_vulkanMessage = reason;
}

std::string BackendSet::summary() const {
    if (m_vulkan)
        return m_vulkan->label() + ", CPU fallback " + m_cpu->deviceName();
    return m_cpu->label() + " (" + m_vulkanMessage + ")";
}

} // namespace ql
