#pragma once
// The error sums of a chunk, reduced on the device right after it was quantized
// (shaders/measure_error.comp): the shader dequantizes the quantize kernel's output in
// place and each workgroup writes Kahan-compensated f32 partial sums; the host adds
// those in double. Recorded into the quantize kernel's own submission, so the weights
// are read where they already are and only 36 bytes per 4096 values come back.
#include "engine/compute/backend.h"
#include "engine/compute/vulkan/vulkan_buffer.h"
#include "engine/compute/vulkan/vulkan_pipeline.h"

#include <memory>
#include <optional>

namespace ql::vk {

class ErrorSumKernel {
public:
    explicit ErrorSumKernel(Device& device);

    // Whether the shader knows the output layout of the kernel that quantizes `format`.
    static bool handles(QuantFormat format);
    // Records the reduction over chunkRows x cols values of `format`, laid out as the
    // quantize kernels leave them (guard words first) in `quant` (and `scales` for the
    // RTN grids; any buffer otherwise). Call after the quantize dispatch is recorded.
    void record(VkCommandBuffer commands, QuantFormat format, int64_t chunkRows, int64_t cols,
                VkBuffer src, VkBuffer quant, VkBuffer scales);
    // After the submission has completed: adds the recorded chunk's sums to `sums`.
    void collect(ErrorSums& sums) const;

private:
    void bind(VkBuffer src, VkBuffer quant, VkBuffer scales);

    Device& m_device;
    ComputePipeline m_pipeline;
    std::unique_ptr<HostBuffer> m_partials;
    uint32_t m_groups = 0;
};

// Where a quantize kernel asks for the sums of its chunks; null kernel: no measuring.
struct MeasureTarget {
    ErrorSumKernel* kernel = nullptr;
    ErrorSums* sums = nullptr;
};

} // namespace ql::vk
