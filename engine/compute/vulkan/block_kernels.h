#pragma once
// The Vulkan kernels of the packed (QuantKind::Block) formats:
//  - BlockKernel: ggml's Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 and the F16 conversion
//    (shaders/quantize_blocks.comp), byte-identical to ggml's reference quantizers;
//  - Fp8RowKernel: OCP FP8 E4M3FN / E5M2 with one f32 scale per row
//    (shaders/quantize_fp8_rowwise.comp), code-identical to engine/quant/fp8.cpp.
// Which formats they take is read from the format table (storage type, row header,
// bytes per code), so that formats added later are not claimed by accident.
#include "engine/compute/vulkan/staged_kernel.h"

#include <optional>

namespace ql::vk {

class BlockKernel final : public StagedKernel {
public:
    explicit BlockKernel(Device& device);
    bool handles(QuantFormat format) const override;
    RowChunking plan(QuantFormat format, int64_t rows, int64_t cols,
                     const DispatchLimits& limits) const override;

    // The shader's mode for a format (MODE_* in quantize_blocks.comp), nullopt if none.
    static std::optional<uint32_t> shaderMode(QuantFormat format);
    // Words the shader writes for `values` weights of this format.
    static uint64_t outputWords(QuantFormat format, uint64_t values);

private:
    void runChunk(QuantFormat format, const float* src, int64_t rowBegin, int64_t chunkRows,
                  int64_t cols, QuantizedTensor& out) override;
};

class Fp8RowKernel final : public StagedKernel {
public:
    explicit Fp8RowKernel(Device& device);
    bool handles(QuantFormat format) const override;
    RowChunking plan(QuantFormat format, int64_t rows, int64_t cols,
                     const DispatchLimits& limits) const override;

private:
    void runChunk(QuantFormat format, const float* src, int64_t rowBegin, int64_t chunkRows,
                  int64_t cols, QuantizedTensor& out) override;
};

} // namespace ql::vk
