#include "engine/compute/vulkan/hqq_kernel.h"

#include "engine/compute/vulkan/guard_words.h"
#include "engine/core/error.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <initializer_list>

namespace ql::vk {
namespace {

struct HqqPush { // mirrors Push in shaders/hqq_round.comp
    uint32_t mode, groups, cols, groupLen, groupsPerRow, wordsPerRow, stateBase, errorBase,
        codeBase, paramBase;
    float maxq, floor;
    uint32_t roundZero;
    int32_t codeOffset;
};

// hqq_round.comp's modes and its word for a group the host takes over.
constexpr uint32_t kModeStart = 0, kModeRound = 1, kModeCodes = 2;
constexpr uint32_t kOwnedNow = 0xffffffffu;
constexpr uint64_t kGroupsPerWorkgroup = 32; // local_size_x (WG)
constexpr uint64_t kStateRegions = 3;        // inverse steps, zeros, owned flags
constexpr uint64_t kParamRegions = 2;        // stored steps, stored zeros

} // namespace

struct HqqKernel::Shape {
    QuantFormat format;
    int64_t rows, cols, groupLen, groupsPerRow;
    float maxq;
    int codeOffset;
    HqqParams params;
};

HqqKernel::HqqKernel(Device& device)
    : m_device(device)
    , m_pipeline(device, groupShader(device, "hqq_round"), 5, sizeof(HqqPush)) {}

bool HqqKernel::handles(QuantFormat format) {
    const auto& info = quantFormatInfo(format);
    // The codes are packed four per word from each group's first column; the cooperative
    // shader's shared memory holds 32 groups of at most 64 values (MAX_GROUP).
    return isHqqFormat(format) && info.groupSize > 0 && info.groupSize % 4 == 0 &&
           info.groupSize <= 64 && info.bits >= 2 && info.bits <= 8;
}

RowChunking HqqKernel::plan(QuantFormat format, int64_t rows, int64_t cols,
                            const DispatchLimits& limits) {
    if (rows <= 0 || cols <= 0)
        return {0, "empty tensor"};
    const uint64_t cap = limits.maxBufferBytes;
    const auto rowGroups = uint64_t(groupsPerRow(format, cols));
    const auto fits = [&](int64_t n) {
        const uint64_t groups = uint64_t(n) * rowGroups;
        return uint64_t(n) * uint64_t(cols) * 4 <= cap &&
               guardedBytes(kStateRegions * groups) <= cap &&
               guardedBytes(kParamRegions * groups) <= cap &&
               guardedBytes(uint64_t(n) * codeWordsPerRow(cols)) <= cap &&
               ceilDiv(groups, kGroupsPerWorkgroup) <= limits.maxRows;
    };
    const int64_t n = largestFittingRows(rows, fits);
    if (n == 0)
        return rowTooWide(cols, cap);
    // Every chunk stays on the device for the whole solve.
    const uint64_t chunks = ceilDiv(uint64_t(rows), uint64_t(n));
    const uint64_t resident =
        uint64_t(rows) * uint64_t(cols) * 4 + chunks * (guardedBytes(0) * 4) +
        uint64_t(rows) * ((kStateRegions + 1 + kParamRegions) * rowGroups + codeWordsPerRow(cols)) *
            4;
    if (resident > limits.maxResidentBytes)
        return {0, "HQQ keeps the whole tensor on the device for its rounds: " +
                       std::to_string(resident) + " bytes, above the " +
                       std::to_string(limits.maxResidentBytes) +
                       " bytes it may hold (a share of its memory heaps)"};
    return {n, {}};
}

int HqqKernel::run(QuantFormat format, std::span<const float> src, int64_t rows, int64_t cols,
                   const DispatchLimits& limits, QuantizedTensor& out, MeasureTarget measure) {
    if (!handles(format) || plan(format, rows, cols, limits).rowsPerChunk <= 0)
        throw Error("vulkan: hqq_round called for " + std::string(quantFormatInfo(format).name) +
                    " on a shape it does not support");
    const auto& info = quantFormatInfo(format);
    const Shape shape{format,
                      rows,
                      cols,
                      info.groupSize,
                      groupsPerRow(format, cols),
                      float((1 << info.bits) - 1),
                      codeOffset(info),
                      hqqFormatParams(format)};
    out.resize(format, rows, cols);
    prepareChunks(shape, limits);
    const auto groups = size_t(rows * shape.groupsPerRow);
    m_groups.assign(groups, {});
    m_hostOwned.assign(groups, 0);
    m_hostGroups = 0;
    m_dispatches = 0;
    m_handovers.assign(1, 0);
    start(shape, src);
    m_rounds = hqqSolveRounds(shape.params, int64_t(src.size()), [&](float beta, float floor) {
        return round(shape, src, beta, floor);
    });
    m_sumsFromDevice = false;
    finish(shape, src, out, measure);
    return m_dispatches;
}

// Every chunk's buffers exist for the whole solve; they are kept for the next tensor.
void HqqKernel::prepareChunks(const Shape& shape, const DispatchLimits& limits) {
    const int64_t chunkRows = plan(shape.format, shape.rows, shape.cols, limits).rowsPerChunk;
    m_chunks.resize(size_t(ceilDiv(uint64_t(shape.rows), uint64_t(chunkRows))));
    for (size_t i = 0; i < m_chunks.size(); ++i) {
        Chunk& c = m_chunks[i];
        c.rowBegin = int64_t(i) * chunkRows;
        c.rows = std::min(chunkRows, shape.rows - c.rowBegin);
        c.firstGroup = uint64_t(c.rowBegin * shape.groupsPerRow);
        c.groups = uint64_t(c.rows * shape.groupsPerRow);
        const uint64_t values = uint64_t(c.rows * shape.cols);
        growBuffer(m_device, c.src, std::max<uint64_t>(values * 4, 4), HostBuffer::Use::Upload);
        growBuffer(m_device, c.state, guardedBytes(kStateRegions * c.groups),
                   HostBuffer::Use::Readback);
        growBuffer(m_device, c.errors, guardedBytes(c.groups), HostBuffer::Use::Readback);
        growBuffer(m_device, c.codes, guardedBytes(uint64_t(c.rows) * codeWordsPerRow(shape.cols)),
                   HostBuffer::Use::Readback);
        growBuffer(m_device, c.params, guardedBytes(kParamRegions * c.groups),
                   HostBuffer::Use::Readback);
    }
}

void HqqKernel::bind(const Chunk& chunk) {
    const VkBuffer buffers[5] = {chunk.src->handle(), chunk.state->handle(), chunk.errors->handle(),
                                 chunk.codes->handle(), chunk.params->handle()};
    m_pipeline.bindBuffers(buffers);
}

std::array<const KernelBuffer*, 4> HqqKernel::outputs(const Chunk& chunk) {
    return {chunk.state.get(), chunk.errors.get(), chunk.codes.get(), chunk.params.get()};
}

uint64_t HqqKernel::regionWords(const Chunk& chunk, const KernelBuffer* buffer, int64_t cols) {
    if (buffer == chunk.state.get())
        return kStateRegions * chunk.groups;
    if (buffer == chunk.errors.get())
        return chunk.groups;
    if (buffer == chunk.params.get())
        return kParamRegions * chunk.groups;
    return uint64_t(chunk.rows) * codeWordsPerRow(cols);
}

void HqqKernel::dispatch(const Shape& shape, Chunk& chunk, uint32_t mode, float floor,
                         std::initializer_list<const KernelBuffer*> downloads, bool uploadInputs,
                         const std::function<void(VkCommandBuffer)>& after) {
    const auto words = [&](const KernelBuffer* b) { return regionWords(chunk, b, shape.cols); };
    HqqPush push{};
    push.mode = mode;
    push.groups = uint32_t(chunk.groups);
    push.cols = uint32_t(shape.cols);
    push.groupLen = uint32_t(shape.groupLen);
    push.groupsPerRow = uint32_t(shape.groupsPerRow);
    push.wordsPerRow = uint32_t(codeWordsPerRow(shape.cols));
    push.stateBase = push.errorBase = push.codeBase = push.paramBase = uint32_t(kGuardWords);
    push.maxq = shape.maxq;
    push.floor = floor;
    push.roundZero = shape.params.roundZero ? 1 : 0;
    push.codeOffset = shape.codeOffset;

    Device::Submission submission;
    const bool staged = chunk.src->staged();
    if (staged && uploadInputs)
        submission.upload = [&](VkCommandBuffer c) {
            chunk.src->recordUpload(c, 0, uint64_t(chunk.rows * shape.cols) * 4);
            for (const KernelBuffer* b : outputs(chunk)) {
                b->recordUpload(c, 0, kGuardWords * 4);
                b->recordUpload(c, (kGuardWords + words(b)) * 4, kGuardWords * 4);
            }
        };
    submission.kernel = [&](VkCommandBuffer c) {
        m_pipeline.recordDispatch(c, &push, uint32_t(ceilDiv(chunk.groups, kGroupsPerWorkgroup)));
        if (after)
            after(c);
    };
    if (staged && downloads.size() > 0)
        submission.download = [&](VkCommandBuffer c) {
            for (const KernelBuffer* b : downloads)
                b->recordDownload(c, 0, guardedBytes(words(b)));
        };
    bind(chunk);
    m_device.submitAndWait(submission);
    ++m_dispatches;
    for (const KernelBuffer* b : downloads)
        checkGuards(*b, words(b));
}

void HqqKernel::checkGuards(const KernelBuffer& buffer, uint64_t words) {
    if (!guardWordsIntact(buffer.data(), 0, kGuardWords) ||
        !guardWordsIntact(buffer.data(), kGuardWords + words, kGuardWords))
        throw Error("vulkan: hqq_round wrote outside its output (guard words changed); the "
                    "result was discarded");
}

void HqqKernel::readState(const Chunk& chunk, bool all) {
    const auto* words = static_cast<const uint32_t*>(chunk.state->data()) + kGuardWords;
    const auto* errors = static_cast<const uint32_t*>(chunk.errors->data()) + kGuardWords;
    for (uint64_t g = 0; g < chunk.groups; ++g) {
        HqqGroup& group = m_groups[chunk.firstGroup + g];
        if (all) {
            group.invStep = std::bit_cast<float>(words[g]);
            group.zero = std::bit_cast<float>(words[chunk.groups + g]);
        } else if (errors[g] == kOwnedNow) { // the zero this round started from
            group.zero = std::bit_cast<float>(words[chunk.groups + g]);
        }
    }
}

void HqqKernel::start(const Shape& shape, std::span<const float> src) {
    for (Chunk& chunk : m_chunks) {
        std::memcpy(chunk.src->data(), src.data() + chunk.rowBegin * shape.cols,
                    size_t(chunk.rows * shape.cols) * sizeof(float));
        for (const KernelBuffer* b : outputs(chunk)) {
            fillGuardWords(b->data(), 0, kGuardWords);
            fillGuardWords(b->data(), kGuardWords + regionWords(chunk, b, shape.cols), kGuardWords);
        }
        dispatch(shape, chunk, kModeStart, 0.0f, {chunk.state.get()}, true);
        for (uint64_t g = 0; g < chunk.groups; ++g) {
            const uint64_t gi = chunk.firstGroup + g;
            const int64_t row = int64_t(gi) / shape.groupsPerRow;
            const int64_t col = (int64_t(gi) % shape.groupsPerRow) * shape.groupLen;
            m_groups[gi].begin = row * shape.cols + col;
            m_groups[gi].n = std::min(shape.groupLen, shape.cols - col);
        }
        readState(chunk, true);
        const auto* owned =
            static_cast<const uint32_t*>(chunk.state->data()) + kGuardWords + 2 * chunk.groups;
        for (uint64_t g = 0; g < chunk.groups; ++g) {
            HqqGroup& group = m_groups[chunk.firstGroup + g];
            if (owned[g] == 0)
                continue;
            m_hostOwned[chunk.firstGroup + g] = 1;
            ++m_handovers[0];
            group =
                hqqStartGroup(src.data(), group.begin, group.n, shape.maxq, shape.params.roundZero);
        }
    }
}

double HqqKernel::round(const Shape& shape, std::span<const float> src, float beta, float floor) {
    m_handovers.push_back(0);
    double absError = 0.0;
    for (Chunk& chunk : m_chunks) {
        dispatch(shape, chunk, kModeRound, floor, {chunk.errors.get()}, false);
        const auto* errors = static_cast<const uint32_t*>(chunk.errors->data()) + kGuardWords;
        if (std::find(errors, errors + chunk.groups, kOwnedNow) != errors + chunk.groups) {
            if (chunk.state->staged()) { // the state of the groups handed over
                Device::Submission copy;
                copy.kernel = [](VkCommandBuffer) {};
                copy.download = [&](VkCommandBuffer c) {
                    chunk.state->recordDownload(c, 0, guardedBytes(kStateRegions * chunk.groups));
                };
                m_device.submitAndWait(copy);
                checkGuards(*chunk.state, kStateRegions * chunk.groups);
            }
            readState(chunk, false);
        }
        for (uint64_t g = 0; g < chunk.groups; ++g) {
            const uint64_t gi = chunk.firstGroup + g;
            if (errors[g] == kOwnedNow) {
                m_hostOwned[gi] = 1;
                ++m_handovers.back();
            }
            // Chunks hold consecutive groups: the tensor's sum adds them in group order.
            absError +=
                double(m_hostOwned[gi] ? hqqProximalRound(src.data(), m_groups[gi], shape.maxq,
                                                          beta, shape.params.p, floor)
                                       : std::bit_cast<float>(errors[g]));
        }
    }
    return absError;
}

// The codes pass. When the device solved and coded every group, its stored steps and zeros
// are the result's and the error sums are reduced on the device in the same submission
// (measure_error.comp reads the codes and params where they lie); otherwise the host codes
// its groups and the backend measures on the host.
void HqqKernel::finish(const Shape& shape, std::span<const float> src, QuantizedTensor& out,
                       MeasureTarget measure) {
    const auto offset = float(shape.codeOffset);
    const uint64_t wordsPerRow = codeWordsPerRow(shape.cols);
    const bool measureHere = measure.kernel && std::find(m_hostOwned.begin(), m_hostOwned.end(),
                                                         uint8_t(1)) == m_hostOwned.end();
    ErrorSums deviceSums;
    for (Chunk& chunk : m_chunks) {
        const auto record = [&](VkCommandBuffer c) {
            if (measureHere)
                measure.kernel->record(c, shape.format, chunk.rows, shape.cols, chunk.src->handle(),
                                       chunk.codes->handle(), chunk.params->handle());
        };
        dispatch(shape, chunk, kModeCodes, 0.0f,
                 {chunk.codes.get(), chunk.state.get(), chunk.errors.get(), chunk.params.get()},
                 false, record);
        if (measureHere)
            measure.kernel->collect(deviceSums);
        const auto* words = static_cast<const uint32_t*>(chunk.codes->data()) + kGuardWords;
        for (int64_t r = 0; r < chunk.rows; ++r) // little-endian bytes are the codes in order
            std::memcpy(out.codes.data() + (chunk.rowBegin + r) * shape.cols,
                        words + uint64_t(r) * wordsPerRow, size_t(shape.cols));
        const auto* errors = static_cast<const uint32_t*>(chunk.errors->data()) + kGuardWords;
        const auto* state = static_cast<const uint32_t*>(chunk.state->data()) + kGuardWords;
        const auto* params = static_cast<const float*>(chunk.params->data()) + kGuardWords;
        for (uint64_t g = 0; g < chunk.groups; ++g) {
            const uint64_t gi = chunk.firstGroup + g;
            HqqGroup& group = m_groups[gi];
            if (!m_hostOwned[gi] && errors[g] != kOwnedNow) { // the device's group, whole
                out.scales[gi] = params[g];
                out.zeros[gi] = params[chunk.groups + g];
                continue;
            }
            if (!m_hostOwned[gi]) { // coded on the host from the device's final state
                group.invStep = std::bit_cast<float>(state[g]);
                group.zero = std::bit_cast<float>(state[chunk.groups + g]);
            }
            ++m_hostGroups;
            for (int64_t j = group.begin; j < group.begin + group.n; ++j)
                out.codes[size_t(j)] = int8_t(hqqCode(src[size_t(j)], group, shape.maxq) - offset);
            out.scales[gi] = 1.0f / group.invStep;
            out.zeros[gi] = hqqStoredZero(group.zero, true, offset);
        }
    }
    m_sumsFromDevice = measureHere && m_hostGroups == 0;
    if (m_sumsFromDevice)
        *measure.sums += deviceSums;
}

} // namespace ql::vk
