#include "engine/compute/backend.h"
#include "engine/core/error.h"

#include <cstdlib>
#include <string_view>

namespace ql {
namespace {

bool vulkanDisabledByEnvironment() {
    const char* env = std::getenv("QUANTLENS_VULKAN");
    return env && std::string_view(env) == "0";
}

} // namespace

Support ComputeBackend::supportsImportance(QuantFormat format, int64_t, int64_t) const {
    return Support::no(name() + " has no importance-weighted encoder for " +
                       std::string(quantFormatInfo(format).name) + "; the CPU runs it");
}

void ComputeBackend::quantizeWithImportance(QuantFormat format, std::span<const float>, int64_t,
                                            int64_t, const ImportanceInput&, QuantizedTensor&) {
    throw Error(supportsImportance(format, 0, 0).reason);
}

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

ComputeBackend& BackendSet::chooseWithImportance(QuantFormat format, int64_t rows, int64_t cols) {
    if (m_vulkan && m_vulkan->supportsImportance(format, rows, cols).ok)
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
