#pragma once
// The Vulkan side of the unpacked formats beyond the symmetric per-row grids
// (shaders/quantize_groups.comp) and of per-tensor FP8 (shaders/quantize_fp8_tensor.comp):
//  - compressed-tensors' half-range grid (int8-ct, int4-g128-ct), GPTQ's symmetric grid
//    (int4-g128-gptq) and the asymmetric min/max grids with zero points (int*-asym);
//  - bitsandbytes NF4/FP4, blocks of 64; for nf4-dq/fp4-dq the nested 8-bit quantization
//    of the absmax runs on the host after the device pass (see kernel_choice.cpp);
//  - every per-tensor format (int*-tensor[-asym], fp8-*-tensor): a first pass
//    (shaders/tensor_stats.comp) reduces the whole tensor's range on the device over every
//    chunk, then each chunk is quantized with that one scale.
// Codes, scales and zero points are identical to the scalar reference.
#include "engine/compute/vulkan/error_sum_kernel.h"
#include "engine/compute/vulkan/row_chunking.h"
#include "engine/compute/vulkan/vulkan_buffer.h"
#include "engine/compute/vulkan/vulkan_pipeline.h"
#include "engine/quant/quantize.h"

#include <memory>
#include <optional>
#include <span>

namespace ql::vk {

// The scheme numbers of shaders/group_quant.glsl (QL_SCHEME_*).
enum class GroupScheme : uint32_t {
    SymAbsmax = 0,
    SymHalfRange = 1,
    SymGptq = 2,
    Asym = 3,
    Nf4 = 4,
    Fp4 = 5,
};
GroupScheme groupScheme(QuantScheme scheme);

class GroupQuantKernel {
public:
    explicit GroupQuantKernel(Device& device);

    // Formats this kernel runs (read from the format table, not from a list of names).
    static bool handles(QuantFormat format);
    // Rows per dispatch under these limits (0, with the reason, when a row cannot run).
    static RowChunking plan(QuantFormat format, int64_t rows, int64_t cols,
                            const DispatchLimits& limits);

    // Requires handles(format) and plan(...).rowsPerChunk > 0; out is resized and filled
    // (double quantization included). With a measure target, adds the error sums of every
    // chunk, reduced on the device. Returns the number of dispatches.
    int run(QuantFormat format, std::span<const float> src, int64_t rows, int64_t cols,
            const DispatchLimits& limits, QuantizedTensor& out, MeasureTarget measure = {});

private:
    struct Chunk {
        int64_t rowBegin, rows;
    };
    void reserve(QuantFormat format, int64_t chunkRows, int64_t cols);
    void upload(const float* src, const Chunk& chunk, int64_t cols);
    // The copies of a staged submission (nothing under host-visible placement).
    void recordUploads(VkCommandBuffer commands, QuantFormat format, const Chunk& chunk,
                       int64_t cols, bool outputs) const;
    void recordDownloads(VkCommandBuffer commands, QuantFormat format, const Chunk& chunk,
                         int64_t cols) const;
    void resetTensorStats();
    void recordStats(VkCommandBuffer commands, const Chunk& chunk, int64_t cols);
    void recordQuantize(VkCommandBuffer commands, QuantFormat format, const Chunk& chunk,
                        int64_t cols, MeasureTarget measure);
    void fillGuards(QuantFormat format, const Chunk& chunk, int64_t cols);
    void checkGuards(QuantFormat format, const Chunk& chunk, int64_t cols) const;
    void unpack(QuantFormat format, const Chunk& chunk, int64_t cols, QuantizedTensor& out) const;

    Device& m_device;
    ComputePipeline m_groups;
    ComputePipeline m_fp8Tensor;
    ComputePipeline m_stats;
    std::unique_ptr<KernelBuffer> m_src;
    std::unique_ptr<KernelBuffer> m_codes;  // codes, or FP8 rows (scale word + codes)
    std::unique_ptr<KernelBuffer> m_params; // scales then zero points
    // Host-visible always: the host zeroes it once per tensor, every chunk's range pass
    // merges into it with atomicMax, and it is a few words (three atomics per 4096 values).
    std::unique_ptr<HostBuffer> m_tensorStats;
};

} // namespace ql::vk
