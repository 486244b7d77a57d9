#pragma once
// The Vulkan kernels of the searched GGUF formats without an importance matrix:
//  - Q6_K (shaders/quantize_q6_k.comp): ggml's make_qx_quants per sub-block of 16;
//  - Q4_K and Q5_K (shaders/quantize_k4.comp): ggml's make_qkx2_quants per sub-block of
//    32, then the 6-bit scales and mins and the codes again against them;
//  - Q2_K (shaders/quantize_q2_k.comp): make_qkx2_quants on |x| weights with the
//    absolute error per sub-block of 16, then the 4-bit scales and mins;
//  - Q3_K (shaders/quantize_q3_k.comp): make_q3_quants (codes moved one at a time while
//    the fit improves) per sub-block of 16, then the signed 6-bit scales;
//  - IQ4_NL (shaders/quantize_iq4_nl.comp): 16 candidate scales per block of 32 against
//    the non-linear code book;
//  - q4_k-lsq (shaders/quantize_q4_k_lsq.comp): Quantlens' least-squares Q4_K search,
//    its fused multiply-adds computed in integers (exact_fma.glsl);
// each byte-identical to its reference encoder (engine/quant/kquant_encode_*.cpp,
// kquant_lsq.cpp's scalar lanes). A shader flags the super-blocks
// whose search would leave the range where every float step is exact on any Vulkan
// device (a value that is not finite, subnormal values or products, magnitudes beyond
// what the sums hold); the host encodes those again with the same reference encoder, so
// the result is the reference's whatever the input.
//
// With an importance matrix (llama.cpp's imatrix) the same shaders compiled with
// QL_IMPORTANCE (<shader>_imatrix) run ggml's importance-weighted encoders
// (quantize_row_q*_K_impl, quantize_row_iq4_nl_impl), byte-identical to
// ql::quantizeWithImportance: Q6_K weighs each value by its importance alone; Q4_K and
// Q5_K take weights imp * sqrt(sigma2 + x^2), make_qkx3_quants per sub-block and
// make_qp_quants over the super-block's scales and mins; IQ4_NL takes the same weights
// per block of 32. The vectors of the matrices a chunk spans are uploaded beside it.
// Q4_0, Q4_1, Q5_0 and Q5_1 with an importance matrix (quantize_row_q4_0_impl ...) have
// a shader of their own (quantize_legacy_imatrix.comp: weighted make_qx_quants or
// make_qkx3_quants per block of 32); their weights need the row's mean square, a serial
// sum the host forms (ggmlRowMeanSquare) and uploads after the vectors.
#include "engine/compute/backend.h"
#include "engine/compute/vulkan/staged_kernel.h"

#include <memory>
#include <vector>

namespace ql::vk {

class KQuantKernel final : public StagedKernel {
public:
    // One kernel per shader: Q2_K, Q3_K, Q4_K/Q5_K, Q6_K, IQ4_NL, q4_k-lsq; weighted: their
    // importance variants and the legacy formats' importance shader.
    static std::vector<std::unique_ptr<KQuantKernel>> all(Device& device, bool weighted = false);

    // For the importance variants: the vectors for the next run() (null clears them).
    // `importance` must outlive that run.
    void setImportance(const ImportanceInput* importance) { m_importance = importance; }

    bool handles(QuantFormat format) const override;
    RowChunking plan(QuantFormat format, int64_t rows, int64_t cols,
                     const DispatchLimits& limits) const override;

    // Words the shader writes for `superBlocks` blocks of `format`: the blocks, then one
    // flag word per workgroup.
    uint64_t outputWords(QuantFormat format, uint64_t superBlocks) const;
    // Super-blocks the host re-encoded in this kernel's last run (for the tests and the label).
    uint64_t lastHostBlocks() const { return m_hostBlocks; }
    // What the host computed besides (for the label): "" or " + host (row mean squares)".
    std::string hostSteps() const;

private:
    KQuantKernel(Device& device, const std::string& shader, uint64_t blocksPerGroup,
                 std::vector<QuantFormat> formats, bool weighted, bool rowMeanSquares);
    // The second input of a weighted dispatch: the vectors of rows [rowBegin, rowBegin +
    // rows), then (legacy formats) each row's mean square; sets *rowValuesBase.
    std::span<const float> sideInput(const float* src, int64_t rowBegin, int64_t rows, int64_t cols,
                                     uint32_t* rowValuesBase);
    // The first of the vectors rows [rowBegin, rowBegin + rows) of the tensor take, and how
    // many values from it on they need.
    std::span<const float> importanceSlice(int64_t rowBegin, int64_t rows, int64_t cols) const;
    // Encodes block b of a chunk on the host with the reference encoder (the legacy
    // formats: its whole row, whose mean square the weights need; dst is then the row's).
    void encodeOnHost(QuantFormat format, const float* src, int64_t rowBegin, int64_t cols,
                      uint64_t b, std::byte* dst) const;
    // Re-encodes the chunk's flagged blocks on the host; returns how many there were.
    uint64_t redoFlaggedBlocks(QuantFormat format, const float* src, int64_t rowBegin, int64_t cols,
                               uint64_t blocks, const uint32_t* flags, std::byte* dst) const;
    void runChunk(QuantFormat format, const float* src, int64_t rowBegin, int64_t chunkRows,
                  int64_t cols, QuantizedTensor& out) override;

    uint64_t m_blocksPerGroup;
    std::vector<QuantFormat> m_formats;
    uint64_t m_hostBlocks = 0;
    bool m_weighted;
    bool m_rowMeanSquares;
    const ImportanceInput* m_importance = nullptr;
    std::vector<float> m_side; // the last weighted dispatch's second input
};

} // namespace ql::vk
