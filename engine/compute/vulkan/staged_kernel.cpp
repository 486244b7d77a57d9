#include "engine/compute/vulkan/staged_kernel.h"

#include "engine/compute/vulkan/guard_words.h"
#include "engine/compute/vulkan/row_chunking.h"
#include "engine/core/error.h"
#include "shaders/shader_registry.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace ql::vk {

StagedKernel::StagedKernel(Device& device, const std::string& shaderName, uint32_t pushBytes,
                           bool sideInput)
    : m_device(device)
    , m_shaderName(shaderName)
    , m_pushBytes(pushBytes)
    , m_sideInput(sideInput) {
    if (shaders::spirv(shaderName).empty()) // fail here, not at the first dispatch
        throw Error("vulkan: shader '" + shaderName + "' is not embedded in this build");
}

// Compiled at the first dispatch, not when the backend opens: a backend pays only for the
// kernels it runs (lavapipe takes about 3 s to compile quantize_q4_k_lsq, whose every fused
// multiply-add inlines exact_fma.glsl's integer arithmetic, against 0.25 s for the whole
// backend without it).
ComputePipeline& StagedKernel::pipeline() {
    if (!m_pipeline)
        m_pipeline = std::make_unique<ComputePipeline>(m_device, m_shaderName, m_sideInput ? 3 : 2,
                                                       m_pushBytes);
    return *m_pipeline;
}

uint64_t StagedKernel::outputBytes(uint64_t words) {
    return guardedBytes(words);
}

int StagedKernel::run(QuantFormat format, std::span<const float> src, int64_t rows, int64_t cols,
                      const DispatchLimits& limits, QuantizedTensor& out, MeasureTarget measure) {
    if (!handles(format))
        throw Error("vulkan: " + m_shaderName + " called for " +
                    std::string(quantFormatInfo(format).name));
    out.resize(format, rows, cols);
    const int64_t chunkRows = plan(format, rows, cols, limits).rowsPerChunk;
    if (chunkRows <= 0)
        throw Error("vulkan: " + m_shaderName + " called for a shape it does not support");
    m_measure = measure;
    int dispatches = 0;
    try {
        for (int64_t begin = 0; begin < rows; begin += chunkRows, ++dispatches) {
            m_chunkSums = {};
            runChunk(format, src.data() + begin * cols, begin, std::min(chunkRows, rows - begin),
                     cols, out);
            if (measuring())
                *m_measure.sums += m_chunkSums;
        }
    } catch (...) {
        m_measure = {};
        throw;
    }
    m_measure = {};
    return dispatches;
}

RowChunking StagedKernel::planRows(int64_t rows, int64_t cols, const DispatchLimits& limits,
                                   const std::function<uint64_t(int64_t)>& outWords,
                                   const std::function<uint64_t(int64_t)>& groups) {
    if (rows <= 0 || cols <= 0)
        return {0, "empty tensor"};
    const auto fits = [&](int64_t n) {
        return uint64_t(n) * uint64_t(cols) * 4 <= limits.maxBufferBytes &&
               outputBytes(outWords(n)) <= limits.maxBufferBytes && groups(n) <= limits.maxRows;
    };
    const int64_t n = largestFittingRows(rows, fits);
    if (n == 0)
        return {0, "a row of " + std::to_string(cols) + " floats does not fit the device's " +
                       "buffer limit of " + std::to_string(limits.maxBufferBytes) +
                       " bytes or its workgroup count limit of " + std::to_string(limits.maxRows)};
    return {n, {}};
}

void StagedKernel::reserve(uint64_t srcBytes, uint64_t outWords, uint64_t sideBytes) {
    bool changed = false;
    auto ensure = [&](std::unique_ptr<KernelBuffer>& buffer, uint64_t bytes, HostBuffer::Use use) {
        changed |= growBuffer(m_device, buffer, bytes, use);
    };
    ensure(m_src, std::max<uint64_t>(srcBytes, 4), HostBuffer::Use::Upload);
    ensure(m_out, outputBytes(outWords), HostBuffer::Use::Readback);
    if (m_sideInput)
        ensure(m_side, std::max<uint64_t>(sideBytes, 4), HostBuffer::Use::Upload);
    if (!changed)
        return;
    if (m_sideInput) {
        const std::array buffers{m_src->handle(), m_out->handle(), m_side->handle()};
        pipeline().bindBuffers(buffers);
    } else {
        const std::array buffers{m_src->handle(), m_out->handle()};
        pipeline().bindBuffers(buffers);
    }
}

const uint32_t* StagedKernel::dispatch(QuantFormat format, int64_t chunkRows, int64_t cols,
                                       const float* src, uint64_t outWords, const void* push,
                                       uint32_t groups, std::span<const float> side) {
    if (side.empty() == m_sideInput)
        throw Error("vulkan: " + m_shaderName +
                    (m_sideInput ? " needs its second input" : " takes no second input"));
    const uint64_t srcBytes = uint64_t(chunkRows) * uint64_t(cols) * sizeof(float);
    const uint64_t sideBytes = side.size_bytes();
    reserve(srcBytes, outWords, sideBytes);
    std::memcpy(m_src->data(), src, srcBytes);
    if (m_sideInput)
        std::memcpy(m_side->data(), side.data(), sideBytes);
    fillGuardWords(m_out->data(), 0, kGuardWords);
    fillGuardWords(m_out->data(), kGuardWords + outWords, kGuardWords);
    const uint64_t outBytes = outputBytes(outWords);
    const uint64_t tailGuard = (kGuardWords + outWords) * 4;
    Device::Submission submission;
    submission.upload = [&](VkCommandBuffer commands) {
        m_src->recordUpload(commands, 0, srcBytes);
        if (m_sideInput)
            m_side->recordUpload(commands, 0, sideBytes);
        m_out->recordUpload(commands, 0, kGuardWords * 4); // the guards, not the codes
        m_out->recordUpload(commands, tailGuard, kGuardWords * 4);
    };
    submission.kernel = [&](VkCommandBuffer commands) {
        pipeline().recordDispatch(commands, push, groups);
        if (m_measure.kernel)
            m_measure.kernel->record(commands, format, chunkRows, cols, m_src->handle(),
                                     m_out->handle(), m_out->handle());
    };
    submission.download = [&](VkCommandBuffer commands) {
        m_out->recordDownload(commands, 0, outBytes); // codes and guards
    };
    if (!m_out->staged())
        submission.upload = submission.download = nullptr; // the shader writes host memory
    m_device.submitAndWait(submission);
    if (!guardWordsIntact(m_out->data(), 0, kGuardWords) ||
        !guardWordsIntact(m_out->data(), kGuardWords + outWords, kGuardWords))
        throw Error("vulkan: " + m_shaderName +
                    " wrote outside its output (guard words changed); the result was discarded");
    if (m_measure.kernel)
        m_measure.kernel->collect(m_chunkSums);
    return static_cast<const uint32_t*>(m_out->data()) + kGuardWords;
}

} // namespace ql::vk
