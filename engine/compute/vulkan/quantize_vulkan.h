#pragma once
// The Vulkan side of the row-wise RTN formats, QuantFormat::Int8PerChannel and
// QuantFormat::Int4G128 (shaders/quantize_int8_rowwise.comp, group length and qmax as
// push constants): uploads row chunks, dispatches one workgroup per row, checks the
// guard words around the outputs and unpacks the codes into the QuantizedTensor.
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

    // Formats this kernel runs: Int8PerChannel and Int4G128.
    static bool handles(QuantFormat format);

    // Requires handles(format) and planInt8Chunks(rows, cols, limits,
    // groupsPerRow(format, cols)).rowsPerChunk > 0; out is resized.
    // Returns the number of dispatches.
    int run(QuantFormat format, std::span<const float> src, int64_t rows, int64_t cols,
            const DispatchLimits& limits, QuantizedTensor& out);

private:
    void reserve(int64_t chunkRows, int64_t cols, int64_t groups);
    void runChunk(QuantFormat format, const float* src, int64_t rowBegin, int64_t chunkRows,
                  int64_t cols, QuantizedTensor& out);
    void fillGuards(int64_t chunkRows, int64_t cols, int64_t groups);
    void checkGuards(int64_t chunkRows, int64_t cols, int64_t groups) const;

    Device& m_device;
    ComputePipeline m_pipeline;
    std::unique_ptr<HostBuffer> m_src;
    std::unique_ptr<HostBuffer> m_codes;
    std::unique_ptr<HostBuffer> m_scales;
};

} // namespace ql::vk
