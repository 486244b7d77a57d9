#pragma once
// The Vulkan side of QuantFormat::Int8PerChannel (shaders/quantize_int8_rowwise.comp):
// uploads row chunks, dispatches one workgroup per row, checks the guard words around
// the outputs and unpacks the codes into the QuantizedTensor.
#include "engine/compute/vulkan/row_chunking.h"
#include "engine/compute/vulkan/vulkan_buffer.h"
#include "engine/compute/vulkan/vulkan_pipeline.h"
#include "engine/quant/quantize.h"

#include <memory>
#include <span>

namespace ql::vk {

class Int8RowwiseKernel {
public:
    explicit Int8RowwiseKernel(Device& device);

    // Requires planInt8Chunks(rows, cols, limits).rowsPerChunk > 0; out is resized.
    // Returns the number of dispatches.
    int run(std::span<const float> src, int64_t rows, int64_t cols, const DispatchLimits& limits,
            QuantizedTensor& out);

private:
    void reserve(int64_t chunkRows, int64_t cols);
    void runChunk(const float* src, int64_t rowBegin, int64_t chunkRows, int64_t cols,
                  QuantizedTensor& out);
    void fillGuards(int64_t chunkRows, int64_t cols);
    void checkGuards(int64_t chunkRows, int64_t cols) const;

    Device& m_device;
    ComputePipeline m_pipeline;
    std::unique_ptr<HostBuffer> m_src;
    std::unique_ptr<HostBuffer> m_codes;
    std::unique_ptr<HostBuffer> m_scales;
};

} // namespace ql::vk
