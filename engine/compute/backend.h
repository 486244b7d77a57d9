#pragma once
// The compute backend interface. Each kernel exists three times: the scalar reference
// (engine/quant/quantize.h), the CPU path (compute/cpu) and the Vulkan path
// (compute/vulkan + shaders/). A backend says per kernel and shape whether it can run
// it; when it cannot, the CPU does, and the result records which backend computed it.
#include "engine/quant/imatrix_quantize.h"
#include "engine/quant/quantize.h"

#include <memory>
#include <span>
#include <string>

namespace ql {

// The sums behind a tensor's error metrics, over the original w and its dequantized q,
// as ErrorAccumulator (engine/quant/metrics.h) forms them.
struct ErrorSums {
    double sumW2 = 0, sumQ2 = 0, sumWQ = 0, sumE2 = 0; // sum w^2, q^2, w*q, (q - w)^2
    double maxAbsError = 0;                            // max |q - w|
    ErrorSums& operator+=(const ErrorSums& o);
};

// On the host, in double, exactly as ErrorAccumulator::add: the reference for the
// device's reductions.
ErrorSums errorSumsOnHost(std::span<const float> original, const QuantizedTensor& q);

// An importance matrix's vectors for one tensor (imatrix_quantize.h): one weight per column
// of each of its matrices, checked by requireImportance, and which rows take which vector.
struct ImportanceInput {
    std::span<const float> weights;
    ImportanceRows layout;
};

struct Support {
    bool ok = true;
    std::string reason; // why not, for the log and the conformance suite's skips
    static Support yes() { return {}; }
    static Support no(std::string why) { return {false, std::move(why)}; }
};

class ComputeBackend {
public:
    virtual ~ComputeBackend() = default;
    virtual std::string name() const = 0;       // "cpu", "vulkan"
    virtual std::string deviceName() const = 0; // "2 threads", "llvmpipe (LLVM 15.0.6, 256 bits)"
    virtual Support supports(QuantFormat format, int64_t rows, int64_t cols) const = 0;
    // Requires supports(...).ok. Fills out (codes and scales) and out.backend.
    virtual void quantize(QuantFormat format, std::span<const float> src, int64_t rows,
                          int64_t cols, QuantizedTensor& out) = 0;
    // quantize(), then the error sums of the result. This default measures on the host; a
    // device backend measures where the weights already are, so that only the sums come
    // back (within a stated tolerance of errorSumsOnHost: see VulkanBackend).
    virtual ErrorSums quantizeAndMeasure(QuantFormat format, std::span<const float> src,
                                         int64_t rows, int64_t cols, QuantizedTensor& out);
    // The importance-weighted encoders (llama.cpp's imatrix; takesImportance(format)).
    // This default runs none of them, with the reason.
    virtual Support supportsImportance(QuantFormat format, int64_t rows, int64_t cols) const;
    // Requires supportsImportance(...).ok. The bytes of ql::quantizeWithImportance.
    virtual void quantizeWithImportance(QuantFormat format, std::span<const float> src,
                                        int64_t rows, int64_t cols,
                                        const ImportanceInput& importance, QuantizedTensor& out);
    std::string label() const { return name() + " (" + deviceName() + ")"; }
};

// threads = 0: std::thread::hardware_concurrency().
std::unique_ptr<ComputeBackend> makeCpuBackend(int threads = 0);

struct VulkanProbe {
    std::unique_ptr<ComputeBackend> backend; // null when no usable device
    std::string message;                     // the device chosen, or why there is none
};
// Prefers a discrete GPU, then integrated, then anything (lavapipe). deviceIndex >= 0
// picks a physical device by index. VK_ERROR_INCOMPATIBLE_DRIVER etc. give a null backend.
// acceptCpuDevice false: a device of type CPU (lavapipe) gives a null backend too, with
// the reason, before any pipeline is built.
VulkanProbe makeVulkanBackend(int deviceIndex = -1, bool acceptCpuDevice = true);

// Which backends a job uses: the preferred one when it supports a kernel and shape,
// otherwise the CPU. QUANTLENS_VULKAN=0 in the environment disables Vulkan. Auto takes a
// GPU but not a Vulkan device that is a CPU driver (lavapipe): on the same cores it runs
// every format slower than the CPU backend (quantlens_bench's vulkan_vs_cpu, 0.02-0.6),
// so Auto means the CPU there; Vulkan (--device vulkan) takes it anyway.
class BackendSet {
public:
    enum class Preference { Auto, Cpu, Vulkan };
    explicit BackendSet(Preference preference = Preference::Auto, int vulkanDevice = -1);
    ComputeBackend& cpu() { return *m_cpu; }
    ComputeBackend* vulkan() { return m_vulkan.get(); }
    const std::string& vulkanMessage() const { return m_vulkanMessage; }
    ComputeBackend& choose(QuantFormat format, int64_t rows, int64_t cols);
    // The same for the importance-weighted encoder of `format`.
    ComputeBackend& chooseWithImportance(QuantFormat format, int64_t rows, int64_t cols);
    // After a device fault the rest of the job runs on the CPU; the reason is kept.
    void disableVulkan(const std::string& reason);
    std::string summary() const; // for the status bar and the CLI

private:
    std::unique_ptr<ComputeBackend> m_cpu;
    std::unique_ptr<ComputeBackend> m_vulkan;
    std::string m_vulkanMessage;
};

} // namespace ql
