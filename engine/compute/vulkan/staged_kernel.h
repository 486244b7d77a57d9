#pragma once
// The common frame of the packed-output kernels (ggml blocks, F16, FP8): one input
// buffer of f32 weights and one output buffer of 32-bit words with guard words on both
// sides, reused between dispatches (they grow to the largest chunk seen); device-local
// with staging copies on a discrete GPU (KernelBuffer). A kernel writes whole words, so no 8- or
// 16-bit storage feature is needed.
#include "engine/compute/vulkan/error_sum_kernel.h"
#include "engine/compute/vulkan/row_chunking.h"
#include "engine/compute/vulkan/vulkan_buffer.h"
#include "engine/compute/vulkan/vulkan_pipeline.h"
#include "engine/quant/quantize.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace ql::vk {

class StagedKernel {
public:
    // sideInput: the shader reads a second input buffer of f32 at binding 2 (the
    // importance vectors of the imatrix variants), uploaded with each dispatch.
    StagedKernel(Device& device, const std::string& shaderName, uint32_t pushBytes,
                 bool sideInput = false);
    virtual ~StagedKernel() = default;

    // Bytes of the output buffer that holds `words` words and the guards.
    static uint64_t outputBytes(uint64_t words);

    virtual bool handles(QuantFormat format) const = 0;
    // Rows per dispatch under these limits (0, with the reason, when a row cannot run).
    virtual RowChunking plan(QuantFormat format, int64_t rows, int64_t cols,
                             const DispatchLimits& limits) const = 0;
    // Requires handles(format) and plan(...).rowsPerChunk > 0. Resizes out and fills it;
    // with a measure target, also adds the error sums of every chunk, reduced on the
    // device. Returns the number of dispatches.
    int run(QuantFormat format, std::span<const float> src, int64_t rows, int64_t cols,
            const DispatchLimits& limits, QuantizedTensor& out, MeasureTarget measure = {});

protected:
    // Encodes rows [rowBegin, rowBegin + chunkRows) into out.
    virtual void runChunk(QuantFormat format, const float* src, int64_t rowBegin, int64_t chunkRows,
                          int64_t cols, QuantizedTensor& out) = 0;
    // plan() for a kernel whose dispatch of n rows reads n * cols floats, writes
    // outWords(n) words and runs groups(n) workgroups.
    static RowChunking planRows(int64_t rows, int64_t cols, const DispatchLimits& limits,
                                const std::function<uint64_t(int64_t)>& outWords,
                                const std::function<uint64_t(int64_t)>& groups);

    // Uploads srcBytes of src, fills the guards around outWords words of output, runs
    // `groups` workgroups with `push` and checks the guards. Returns the first output
    // word, valid until the next dispatch. Throws VulkanFault on device faults and
    // ql::Error when the shader wrote outside its output.
    // The chunk is chunkRows x cols values of `format` (for the error sums, if asked).
    // `side` is the second input of a kernel made with sideInput (empty otherwise).
    const uint32_t* dispatch(QuantFormat format, int64_t chunkRows, int64_t cols, const float* src,
                             uint64_t outWords, const void* push, uint32_t groups,
                             std::span<const float> side = {});
    // Whether the chunk's error sums are being reduced on the device.
    bool measuring() const { return m_measure.kernel != nullptr; }
    // For a kernel that finished part of a chunk on the host after dispatch(): the chunk's
    // sums as measured there, in place of the device's.
    void replaceChunkSums(const ErrorSums& sums) { m_chunkSums = sums; }

private:
    void reserve(uint64_t srcBytes, uint64_t outWords, uint64_t sideBytes);
    ComputePipeline& pipeline(); // created on first use

    Device& m_device;
    std::string m_shaderName;
    uint32_t m_pushBytes;
    std::unique_ptr<ComputePipeline> m_pipeline;
    std::unique_ptr<KernelBuffer> m_src;
    std::unique_ptr<KernelBuffer> m_out;
    std::unique_ptr<KernelBuffer> m_side; // only with sideInput
    bool m_sideInput;
    MeasureTarget m_measure; // set for the duration of run()
    ErrorSums m_chunkSums;   // the current chunk's, added to m_measure.sums after it
};

} // namespace ql::vk
