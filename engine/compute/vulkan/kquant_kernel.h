#pragma once
// The Vulkan kernel of GGUF Q6_K without an importance matrix (shaders/quantize_q6_k.comp):
// ggml's per-sub-block scale search (make_qx_quants) on the device, byte-identical to
// engine/quant/kquant_encode_q6.cpp. Super-blocks that the shader flags (a value that is
// not finite, or a sub-block whose largest magnitude lies outside the range where every
// step of the search is a normal float on any device) are encoded again on the host by
// the same reference encoder, so the result is the reference's whatever the input.
#include "engine/compute/vulkan/staged_kernel.h"

namespace ql::vk {

class Q6KKernel final : public StagedKernel {
public:
    explicit Q6KKernel(Device& device);
    bool handles(QuantFormat format) const override;
    RowChunking plan(QuantFormat format, int64_t rows, int64_t cols,
                     const DispatchLimits& limits) const override;

    // Words the shader writes for `superBlocks` blocks: the blocks, then one flag word per
    // workgroup of four.
    static uint64_t outputWords(uint64_t superBlocks);
    // Super-blocks the host re-encoded in the last run() (for the tests and the log).
    uint64_t lastHostBlocks() const { return m_hostBlocks; }

private:
    void runChunk(QuantFormat format, const float* src, int64_t rowBegin, int64_t chunkRows,
                  int64_t cols, QuantizedTensor& out) override;

    uint64_t m_hostBlocks = 0;
};

} // namespace ql::vk
