#include "engine/compute/vulkan/quantize_vulkan.h"

#include "engine/compute/vulkan/guard_words.h"

#include "engine/core/error.h"

#include <array>
#include <cstring>
#include <string>

namespace ql::vk {
namespace {

struct RtnPush { // mirrors Params in quantize_int8_rowwise.comp
    uint32_t rows, cols, wordsPerRow, codeBase, scaleBase, groupLen, groupsPerRow;
    int32_t qmax;
};

// Weights per group: the whole row for per-channel formats.
int64_t groupLength(QuantFormat format, int64_t cols) {
    const int g = quantFormatInfo(format).groupSize;
    return g == 0 ? cols : g;
}

uint32_t wordsPerRow(int64_t cols) {
    return uint32_t((cols + 3) / 4);
}

} // namespace

RtnRowwiseKernel::RtnRowwiseKernel(Device& device)
    : m_device(device)
    , m_pipeline(device, groupShader(device, "quantize_int8_rowwise"), 3, sizeof(RtnPush)) {}

bool RtnRowwiseKernel::handles(QuantFormat format) {
    // The contract this shader implements is the symmetric absmax grid of quantize.h:
    // codes in [-qmax, qmax] with qmax = 2^(bits-1) - 1, one f32 scale per group. The
    // format table is growing (asymmetric, non-uniform and searched formats), so the test
    // is on the table's fields, not on a list of names; the conformance suite checks every
    // format this admits against its reference. The shader packs four codes per word, so
    // a group must start on a multiple of four columns: group length a multiple of four,
    // or one group per row.
    const auto& info = quantFormatInfo(format);
    const bool symmetricGrid = info.kind == QuantKind::Rtn && info.method == "rtn" &&
                               info.bits >= 2 && info.bits <= 8 &&
                               info.qmax == (1 << (info.bits - 1)) - 1 &&
                               info.scheme == QuantScheme::SymAbsmax && !info.perTensor;
    return symmetricGrid && (info.groupSize == 0 || info.groupSize % 4 == 0);
}

int RtnRowwiseKernel::run(QuantFormat format, std::span<const float> src, int64_t rows,
                          int64_t cols, const DispatchLimits& limits, QuantizedTensor& out,
                          MeasureTarget measure) {
    if (!handles(format))
        throw Error("vulkan: row-wise kernel called for " +
                    std::string(quantFormatInfo(format).name));
    out.resize(format, rows, cols);
    const int64_t groups = groupsPerRow(format, cols);
    const int64_t chunkRows = planInt8Chunks(rows, cols, limits, groups).rowsPerChunk;
    if (chunkRows <= 0)
        throw Error("vulkan: row-wise kernel called for a shape it does not support");
    reserve(chunkRows, cols, groups);
    int dispatches = 0;
    for (int64_t begin = 0; begin < rows; begin += chunkRows, ++dispatches) {
        const int64_t count = std::min(chunkRows, rows - begin);
        runChunk(format, src.data() + begin * cols, begin, count, cols, out, measure);
    }
    return dispatches;
}

// Buffers grow to the largest chunk seen and are reused by later tensors.
void RtnRowwiseKernel::reserve(int64_t chunkRows, int64_t cols, int64_t groups) {
    const uint64_t srcBytes = int8InputBytes(chunkRows, cols);
    const uint64_t codeBytes = int8CodeBytes(chunkRows, cols);
    const uint64_t scaleBytes = int8ScaleBytes(chunkRows, groups);
    bool changed = false;
    auto ensure = [&](std::unique_ptr<KernelBuffer>& buffer, uint64_t bytes, HostBuffer::Use use) {
        changed |= growBuffer(m_device, buffer, bytes, use);
    };
    ensure(m_src, srcBytes, HostBuffer::Use::Upload);
    ensure(m_codes, codeBytes, HostBuffer::Use::Readback);
    ensure(m_scales, scaleBytes, HostBuffer::Use::Readback);
    if (changed) {
        const std::array buffers{m_src->handle(), m_codes->handle(), m_scales->handle()};
        m_pipeline.bindBuffers(buffers);
    }
}

void RtnRowwiseKernel::runChunk(QuantFormat format, const float* src, int64_t rowBegin,
                                int64_t chunkRows, int64_t cols, QuantizedTensor& out,
                                MeasureTarget measure) {
    const int64_t groups = groupsPerRow(format, cols);
    std::memcpy(m_src->data(), src, int8InputBytes(chunkRows, cols));
    fillGuards(chunkRows, cols, groups);
    const RtnPush push{uint32_t(chunkRows),   uint32_t(cols),
                       wordsPerRow(cols),     uint32_t(kGuardWords),
                       uint32_t(kGuardWords), uint32_t(groupLength(format, cols)),
                       uint32_t(groups),      int32_t(quantFormatInfo(format).qmax)};
    const uint64_t codeBytes = int8CodeBytes(chunkRows, cols);
    const uint64_t scaleBytes = int8ScaleBytes(chunkRows, groups);
    Device::Submission submission;
    submission.upload = [&](VkCommandBuffer commands) {
        m_src->recordUpload(commands, 0, int8InputBytes(chunkRows, cols));
        for (const KernelBuffer* out : {m_codes.get(), m_scales.get()}) // guard words only
            out->recordUpload(commands, 0, kGuardWords * 4);
        m_codes->recordUpload(commands, codeBytes - kGuardWords * 4, kGuardWords * 4);
        m_scales->recordUpload(commands, scaleBytes - kGuardWords * 4, kGuardWords * 4);
    };
    submission.kernel = [&](VkCommandBuffer commands) {
        m_pipeline.recordDispatch(commands, &push, uint32_t(chunkRows));
        if (measure.kernel)
            measure.kernel->record(commands, format, chunkRows, cols, m_src->handle(),
                                   m_codes->handle(), m_scales->handle());
    };
    submission.download = [&](VkCommandBuffer commands) {
        m_codes->recordDownload(commands, 0, codeBytes);
        m_scales->recordDownload(commands, 0, scaleBytes);
    };
    if (!m_src->staged())
        submission.upload = submission.download = nullptr; // the shader uses host memory
    m_device.submitAndWait(submission);
    checkGuards(chunkRows, cols, groups);
    if (measure.kernel)
        measure.kernel->collect(*measure.sums);

    const auto* packed = static_cast<const uint8_t*>(m_codes->data()) + kGuardWords * 4;
    const uint64_t rowBytes = uint64_t(wordsPerRow(cols)) * 4;
    for (int64_t r = 0; r < chunkRows; ++r) // little-endian bytes are the codes in order
        std::memcpy(out.codes.data() + (rowBegin + r) * cols, packed + r * rowBytes, size_t(cols));
    const auto* scales = static_cast<const float*>(m_scales->data()) + kGuardWords;
    std::memcpy(out.scales.data() + rowBegin * groups, scales,
                size_t(chunkRows * groups) * sizeof(float));
}

void RtnRowwiseKernel::fillGuards(int64_t chunkRows, int64_t cols, int64_t groups) {
    const uint64_t codeWords = uint64_t(chunkRows) * wordsPerRow(cols);
    const uint64_t scaleWords = uint64_t(chunkRows) * uint64_t(groups);
    fillGuardWords(m_codes->data(), 0, kGuardWords);
    fillGuardWords(m_codes->data(), kGuardWords + codeWords, kGuardWords);
    fillGuardWords(m_scales->data(), 0, kGuardWords);
    fillGuardWords(m_scales->data(), kGuardWords + scaleWords, kGuardWords);
}

void RtnRowwiseKernel::checkGuards(int64_t chunkRows, int64_t cols, int64_t groups) const {
    const uint64_t codeWords = uint64_t(chunkRows) * wordsPerRow(cols);
    const uint64_t scaleWords = uint64_t(chunkRows) * uint64_t(groups);
    const bool intact = guardWordsIntact(m_codes->data(), 0, kGuardWords) &&
                        guardWordsIntact(m_codes->data(), kGuardWords + codeWords, kGuardWords) &&
                        guardWordsIntact(m_scales->data(), 0, kGuardWords) &&
                        guardWordsIntact(m_scales->data(), kGuardWords + scaleWords, kGuardWords);
    if (!intact)
        throw Error("vulkan: quantize_int8_rowwise wrote outside its output (guard words "
                    "changed); the result was discarded");
}

} // namespace ql::vk
