#pragma once
// ComputeBackend on a Vulkan device. Made by makeVulkanBackend (engine/compute/backend.h);
// this header exists for tests and tools that need the extras below. It does not pull in
// <vulkan/vulkan.h>.
#include "engine/compute/backend.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace ql {

namespace vk {
class Instance;
class Device;
class RtnRowwiseKernel;
class GroupQuantKernel;
class StagedKernel;
class KQuantKernel;
class ErrorSumKernel;
class HqqKernel;
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
    // The error sums come from the device (shaders/measure_error.comp) for every layout it
    // knows (ErrorSumKernel::handles), else from errorSumsOnHost on the downloaded result
    // (the double-quantized formats, whose absmax is finished on the host, and an HQQ tensor
    // of which the host solved or coded a group; lastErrorSumsOnDevice says): f32 products and
    // Kahan-compensated f32 partial sums per 4096 values, added in double on the host.
    // Against errorSumsOnHost (double throughout) each sum agrees to a relative 1e-6 and
    // the max |error| to a relative 1e-6 (the f32 rounding of q - w); conformance tests
    // hold it to that. Same device, same input: the same bits every time.
    ErrorSums quantizeAndMeasure(QuantFormat format, std::span<const float> src, int64_t rows,
                                 int64_t cols, QuantizedTensor& out) override;
    // The importance shaders (kquant_kernel.h) of every format that takes an imatrix:
    // Q2_K ... Q6_K, IQ4_NL, Q4_0, Q4_1, Q5_0, Q5_1.
    Support supportsImportance(QuantFormat format, int64_t rows, int64_t cols) const override;
    void quantizeWithImportance(QuantFormat format, std::span<const float> src, int64_t rows,
                                int64_t cols, const ImportanceInput& importance,
                                QuantizedTensor& out) override;

    // Tighter limits than the device's, so that tests exercise chunking on small tensors.
    // 0 restores the device's limit.
    void setMaxRowsPerDispatchForTesting(uint64_t rows);
    void setMaxBufferBytesForTesting(uint64_t bytes);
    // The device memory HQQ may keep resident (DispatchLimits::maxResidentBytes, from
    // residentBudget in vulkan_backend.cpp; 0 restores it).
    void setMaxResidentBytesForTesting(uint64_t bytes);
    int lastDispatchCount() const { return m_lastDispatches; }
    // Super-blocks the last K-quant quantize() left to the host's encoder (kquant_kernel.h),
    // or groups the last HQQ quantize() left to the host's solver (hqq_kernel.h).
    uint64_t lastHostBlocks() const;
    // Rounds the last HQQ quantize() on this backend ran (0 before any), and the groups its
    // shader handed to the host: [0] at the start, [k] in round k (HqqKernel).
    int lastHqqRounds() const;
    // Whether the last quantizeAndMeasure() reduced its error sums on the device.
    bool lastErrorSumsOnDevice() const;
    std::vector<uint64_t> lastHqqHandovers() const;
    // Device time of the last quantize() (GPU timestamps; 0 without them).
    double lastDeviceSeconds() const;
    // The next `submits`-th queue submission (1 = the next one) fails as a lost device
    // would: the fault path (VulkanFault, then every kernel unsupported) without a
    // broken driver. 0 disarms it.
    void injectDeviceLossForTesting(int submits);
    // The on-disk pipeline cache (pipeline_cache.h): where, and whether this backend's
    // pipelines were built from it.
    std::string pipelineCachePath() const;
    bool pipelineCacheLoaded() const;
    // The kernel choices made for this device (kernel_choice.h), in words, and the two
    // that tests check: device-local buffers with staging copies, and the cooperative
    // (one subgroup per group) layout of the grouped shaders.
    std::string kernelChoices() const;
    bool stagedMemory() const;
    bool cooperativeGroups() const;
    bool validationEnabled() const;
    // Whether the device is a CPU driver (VK_PHYSICAL_DEVICE_TYPE_CPU: lavapipe).
    bool isCpuDevice() const;
    // The device itself, for tests that dispatch their own shaders (shaders/*_check.comp).
    vk::Device& deviceForTesting() const { return *m_device; }
    int validationErrors() const;

private:
    vk::DispatchLimits limits() const;
    // The packed-output kernel for a format, or null.
    vk::StagedKernel* stagedKernel(QuantFormat format) const;
    // The kernel of a searched GGUF format, or null.
    vk::KQuantKernel* kquantKernel(QuantFormat format) const;
    vk::KQuantKernel* weightedKernel(QuantFormat format) const;
    // The checks (support, size) and resets before a run; false for an empty tensor (out
    // is then complete).
    bool prepareRun(const Support& support, QuantFormat format, std::span<const float> src,
                    int64_t rows, int64_t cols, QuantizedTensor& out);
    void runOnDevice(QuantFormat format, std::span<const float> src, int64_t rows, int64_t cols,
                     QuantizedTensor& out, ErrorSums* sums);
    // The label's note on blocks the host encoded, after a searched-format run.
    void noteHostBlocks(QuantFormat format, uint64_t hostBlocks, QuantizedTensor& out);

    std::shared_ptr<vk::Instance> m_instance;
    std::unique_ptr<vk::Device> m_device;
    std::unique_ptr<vk::RtnRowwiseKernel> m_rtn;
    std::unique_ptr<vk::GroupQuantKernel> m_groups;
    std::unique_ptr<vk::StagedKernel> m_blocks;
    std::unique_ptr<vk::StagedKernel> m_fp8;
    std::vector<std::unique_ptr<vk::KQuantKernel>> m_kquants;  // one per searched-format shader
    std::vector<std::unique_ptr<vk::KQuantKernel>> m_weighted; // their importance variants
    std::unique_ptr<vk::ErrorSumKernel> m_measure;
    std::unique_ptr<vk::HqqKernel> m_hqq;
    uint64_t m_testMaxRows = 0;
    uint64_t m_testMaxBytes = 0;
    uint64_t m_testMaxResidentBytes = 0;
    int m_lastDispatches = 0;
    bool m_lastSumsOnDevice = false;
    uint64_t m_lastHostBlocks = 0;
    std::string m_fault; // set once the device failed
    std::mutex m_mutex;  // one job at a time on the queue and the shared buffers
};

} // namespace ql
