#pragma once
// The Vulkan side of the symmetric row-wise RTN grids (int8/int4/int3/int2, per channel
// or in groups; shaders/quantize_int8_rowwise.comp, group length and qmax as push
// constants): uploads row chunks, dispatches one workgroup per row, checks the
// guard words around the outputs and unpacks the codes into the QuantizedTensor.
#include "engine/compute/vulkan/error_sum_kernel.h"
#include "engine/compute/vulkan/row_chunking.h"
#include "engine/compute/vulkan/vulkan_buffer.h"
#include "engine/compute/vulkan/vulkan_pipeline.h"
#include "engine/quant/quantize.h"

#include <memory>
#include <span>

namespace ql::vk {

class RtnRowwiseKernel {
public:
    explicit RtnRowwiseKernel(Device& device);

    // Formats this kernel runs: every symmetric RTN grid of the format table.
    static bool handles(QuantFormat format);

    // Requires handles(format) and planInt8Chunks(rows, cols, limits,
    // groupsPerRow(format, cols)).rowsPerChunk > 0; out is resized.
    // Returns the number of dispatches.
    // With a measure target, also adds the error sums of every chunk (on the device).
    int run(QuantFormat format, std::span<const float> src, int64_t rows, int64_t cols,
            const DispatchLimits& limits, QuantizedTensor& out, MeasureTarget measure = {});

private:
    void reserve(int64_t chunkRows, int64_t cols, int64_t groups);
    void runChunk(QuantFormat format, const float* src, int64_t rowBegin, int64_t chunkRows,
                  int64_t cols, QuantizedTensor& out, MeasureTarget measure);
    void fillGuards(int64_t chunkRows, int64_t cols, int64_t groups);
    void checkGuards(int64_t chunkRows, int64_t cols, int64_t groups) const;

    Device& m_device;
    ComputePipeline m_pipeline;
    std::unique_ptr<KernelBuffer> m_src;
    std::unique_ptr<KernelBuffer> m_codes;
    std::unique_ptr<KernelBuffer> m_scales;
};

} // namespace ql::vk
