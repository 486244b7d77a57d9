#include "engine/compute/vulkan/vulkan_backend.h"

#include "engine/compute/vulkan/quantize_vulkan.h"
#include "engine/compute/vulkan/vulkan_device.h"
#include "engine/compute/vulkan/vulkan_fault.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace ql {

VulkanBackend::VulkanBackend(std::shared_ptr<vk::Instance> instance,
                             std::unique_ptr<vk::Device> device)
    : m_instance(std::move(instance))
    , m_device(std::move(device))
    , m_rtn(std::make_unique<vk::RtnRowwiseKernel>(*m_device)) {}

// Kernel and buffers go before the device they were made on.
VulkanBackend::~VulkanBackend() {
    m_rtn.reset();
}

std::string VulkanBackend::deviceName() const {
    return m_device->properties().deviceName;
}

vk::DispatchLimits VulkanBackend::limits() const {
    const auto& device = m_device->properties().limits;
    vk::DispatchLimits l;
    l.maxRows = device.maxComputeWorkGroupCount[0];
    l.maxBufferBytes =
        std::min<uint64_t>(device.maxStorageBufferRange, m_device->maxAllocationBytes());
    if (m_testMaxRows)
        l.maxRows = std::min(l.maxRows, m_testMaxRows);
    if (m_testMaxBytes)
        l.maxBufferBytes = std::min(l.maxBufferBytes, m_testMaxBytes);
    return l;
}

Support VulkanBackend::supports(QuantFormat format, int64_t rows, int64_t cols) const {
    if (!m_fault.empty())
        return Support::no("the Vulkan device failed earlier (" + m_fault + "); the CPU runs it");
    if (!vk::RtnRowwiseKernel::handles(format))
        return Support::no("no Vulkan kernel yet for " + std::string(quantFormatInfo(format).name) +
                           "; the CPU runs it");
    if (rows == 0 || cols == 0)
        return Support::yes();
    auto plan = vk::planInt8Chunks(rows, cols, limits(), groupsPerRow(format, cols));
    if (plan.rowsPerChunk == 0)
        return Support::no(plan.whyNot + "; the CPU runs it");
    return Support::yes();
}

void VulkanBackend::quantize(QuantFormat format, std::span<const float> src, int64_t rows,
                             int64_t cols, QuantizedTensor& out) {
    std::lock_guard lock(m_mutex);
    if (Support s = supports(format, rows, cols); !s.ok)
        throw Error("vulkan: cannot quantize this tensor: " + s.reason);
    if (src.size() != size_t(rows * cols))
        throw Error("vulkan: quantize got " + std::to_string(src.size()) + " values for a " +
                    std::to_string(rows) + " x " + std::to_string(cols) + " tensor");
    out.resize(format, rows, cols);
    out.backend = label();
    m_lastDispatches = 0;
    if (rows == 0 || cols == 0)
        return;
    try {
        m_lastDispatches = m_rtn->run(format, src, rows, cols, limits(), out);
    } catch (const VulkanFault& fault) {
        m_fault = fault.what();
        throw;
    }
    out.backend = label();
}

void VulkanBackend::setMaxRowsPerDispatchForTesting(uint64_t rows) {
    m_testMaxRows = rows;
}
void VulkanBackend::setMaxBufferBytesForTesting(uint64_t bytes) {
    m_testMaxBytes = bytes;
}
bool VulkanBackend::validationEnabled() const {
    return m_instance->validationEnabled();
}
int VulkanBackend::validationErrors() const {
    return m_instance->validationErrors();
}

VulkanProbe makeVulkanBackend(int deviceIndex) {
    if (const char* env = std::getenv("QUANTLENS_VULKAN"); env && std::strcmp(env, "0") == 0)
        return {nullptr, "Vulkan disabled by QUANTLENS_VULKAN=0"};
    try {
        std::string why;
        std::shared_ptr<vk::Instance> instance = vk::Instance::create(why);
        if (!instance)
            return {nullptr, why};
        vk::PhysicalChoice choice = vk::choosePhysicalDevice(instance->handle(), deviceIndex);
        if (!choice.device)
            return {nullptr, choice.why};
        auto backend = std::make_unique<VulkanBackend>(
            instance, std::make_unique<vk::Device>(instance, choice));
        std::string message = "Vulkan device: " + backend->deviceName();
        return {std::move(backend), std::move(message)};
    } catch (const std::exception& e) {
        return {nullptr, std::string("Vulkan unavailable: ") + e.what()};
    }
}

} // namespace ql
