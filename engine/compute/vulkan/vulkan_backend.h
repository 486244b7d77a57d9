#pragma once
// ComputeBackend on a Vulkan device. Made by makeVulkanBackend (engine/compute/backend.h);
// this header exists for tests and tools that need the extras below. It does not pull in
// <vulkan/vulkan.h>.
#include "engine/compute/backend.h"

#include <cstdint>
#include <memory>
#include <mutex>

namespace ql {

namespace vk {
class Instance;
class Device;
class RtnRowwiseKernel;
struct DispatchLimits;
} // namespace vk

class VulkanBackend : public ComputeBackend {
public:
    VulkanBackend(std::shared_ptr<vk::Instance> instance, std::unique_ptr<vk::Device> device);
    ~VulkanBackend() override;

    std::string name() const override { return "vulkan"; }
    std::string deviceName() const override;
    Support supports(QuantFormat format, int64_t rows, int64_t cols) const override;
    // Throws VulkanFault (vulkan_fault.h) on device loss or out-of-memory; the backend
    // then reports every kernel unsupported, and the job reruns on the CPU.
    void quantize(QuantFormat format, std::span<const float> src, int64_t rows, int64_t cols,
                  QuantizedTensor& out) override;

    // Tighter limits than the device's, so that tests exercise chunking on small tensors.
    // 0 restores the device's limit.
    void setMaxRowsPerDispatchForTesting(uint64_t rows);
    void setMaxBufferBytesForTesting(uint64_t bytes);
    int lastDispatchCount() const { return m_lastDispatches; }
    bool validationEnabled() const;
    int validationErrors() const;

private:
    vk::DispatchLimits limits() const;

    std::shared_ptr<vk::Instance> m_instance;
    std::unique_ptr<vk::Device> m_device;
    std::unique_ptr<vk::RtnRowwiseKernel> m_rtn;
    uint64_t m_testMaxRows = 0;
    uint64_t m_testMaxBytes = 0;
    int m_lastDispatches = 0;
    std::string m_fault; // set once the device failed
    std::mutex m_mutex;  // one job at a time on the queue and the shared buffers
};

} // namespace ql
