#pragma once
// The Vulkan side of HQQ (hqq-int{2,3,4,8}-g64; shaders/hqq_round.comp): codes, steps and
// zero points bit for bit the reference's (engine/quant/hqq.h), and the same rounds.
//
// The tensor stays on the device for the whole solve: one dispatch computes every group's
// min/max start, then one dispatch per round updates the zeros and writes each group's
// float sum of |x - r|; only those sums (one word per 64 weights) come back, and the host
// adds them in group order in double and applies HQQ's stop (hqqSolveRounds), exactly as
// the CPU does. A last dispatch writes the codes and each group's stored step and zero, in
// the layout measure_error.comp reads, so that quantizeAndMeasure reduces the error sums in
// the same submission when the device solved every group.
//
// The host runs a group itself, from the round the shader hands it over (hqq_round.comp
// says when: a residual the Lp shrink acts on, which needs the C library's powf, or a value
// outside the range where Vulkan must round as IEEE), with hqqProximalRound on the same
// state. At 4 and 8 bits an LLM's weights give none: half their step lies far below the
// shrink's floor (0.17); groups of range above about 1 at 2 bits (0.17 x 2 x 3) and about 2.4 at 3
// bits (0.17 x 2 x 7) do. Tensors larger than the device's buffer limit run as row chunks, all
// resident, each round dispatching every chunk; a tensor above DispatchLimits::maxResidentBytes is
// the CPU's (plan says why).
#include "engine/compute/vulkan/error_sum_kernel.h"
#include "engine/compute/vulkan/row_chunking.h"
#include "engine/compute/vulkan/vulkan_buffer.h"
#include "engine/compute/vulkan/vulkan_pipeline.h"
#include "engine/quant/hqq_solver.h"

#include <array>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <vector>

namespace ql::vk {

class HqqKernel {
public:
    explicit HqqKernel(Device& device);

    static bool handles(QuantFormat format);
    // Rows per chunk under these limits (0, with the reason, when a row cannot run).
    static RowChunking plan(QuantFormat format, int64_t rows, int64_t cols,
                            const DispatchLimits& limits);

    // Requires handles(format) and plan(...).rowsPerChunk > 0; out is resized and filled.
    // With a measure target, adds the error sums reduced on the device when the device
    // solved every group (lastSumsFromDevice); otherwise they are the caller's to take on
    // the host. Returns the number of dispatches.
    int run(QuantFormat format, std::span<const float> src, int64_t rows, int64_t cols,
            const DispatchLimits& limits, QuantizedTensor& out, MeasureTarget measure = {});
    bool lastSumsFromDevice() const { return m_sumsFromDevice; }

    // Groups of the last run that the host solved (from some round on) or coded.
    uint64_t lastHostGroups() const { return m_hostGroups; }
    // Rounds the last run's solve took.
    int lastRounds() const { return m_rounds; }
    // Groups the shader handed to the host in the last run: [0] at the start (inputs out of
    // range), [k] in round k.
    const std::vector<uint64_t>& lastHandovers() const { return m_handovers; }

private:
    // One chunk of rows and its buffers, resident for the whole solve.
    struct Chunk {
        int64_t rowBegin = 0, rows = 0;
        uint64_t firstGroup = 0, groups = 0;
        std::unique_ptr<KernelBuffer> src, state, errors, codes, params;
    };
    struct Shape; // the tensor's geometry and the format's constants (hqq_kernel.cpp)

    void prepareChunks(const Shape& shape, const DispatchLimits& limits);
    void bind(const Chunk& chunk);
    void start(const Shape& shape, std::span<const float> src);
    double round(const Shape& shape, std::span<const float> src, float beta, float floor);
    void finish(const Shape& shape, std::span<const float> src, QuantizedTensor& out,
                MeasureTarget measure);
    // One submission for a chunk: the dispatch of `mode` (hqq_round.comp), what `after`
    // records, then the downloads of the listed buffers (staged memory only; guard words
    // checked after it).
    void dispatch(const Shape& shape, Chunk& chunk, uint32_t mode, float floor,
                  std::initializer_list<const KernelBuffer*> downloads, bool uploadInputs,
                  const std::function<void(VkCommandBuffer)>& after = {});
    // A chunk's output buffers, and the words of each one's region (guards excluded).
    static std::array<const KernelBuffer*, 4> outputs(const Chunk& chunk);
    static uint64_t regionWords(const Chunk& chunk, const KernelBuffer* buffer, int64_t cols);
    // Throws when the guard words around a region of `words` changed.
    static void checkGuards(const KernelBuffer& buffer, uint64_t words);
    // The chunk's device state (inverse steps and zeros) into m_groups, for groups the host
    // takes over.
    void readState(const Chunk& chunk, bool all);

    Device& m_device;
    ComputePipeline m_pipeline;
    std::vector<Chunk> m_chunks;
    std::vector<HqqGroup> m_groups; // every group's state as the host knows it
    std::vector<uint8_t> m_hostOwned;
    std::vector<uint64_t> m_handovers;
    uint64_t m_hostGroups = 0;
    int m_rounds = 0;
    bool m_sumsFromDevice = false;
    int m_dispatches = 0;
};

} // namespace ql::vk
