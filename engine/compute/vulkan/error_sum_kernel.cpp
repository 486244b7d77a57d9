#include "engine/compute/vulkan/error_sum_kernel.h"

#include "engine/compute/vulkan/row_chunking.h"
#include "engine/core/error.h"

#include <algorithm>

namespace ql::vk {
namespace {

constexpr uint32_t kValuesPerGroup = 4096; // PER_GROUP in measure_error.comp
constexpr uint32_t kPartialFloats = 9;     // PARTIAL_FLOATS

struct MeasurePush { // mirrors Params in measure_error.comp
    uint32_t count, cols, mode, quantBase, rowWords, scaleBase, groupLen, groupsPerRow, zeroBase;
};

// MODE_* of measure_error.comp for the layout the quantize kernels write.
std::optional<uint32_t> measureMode(QuantFormat format) {
    const auto& info = quantFormatInfo(format);
    if (info.kind == QuantKind::Rtn) {
        // The layout of quantize_int8_rowwise.comp / quantize_groups.comp, and of
        // hqq_round.comp's codes pass: (code - zero) * fp16(step). Double-quantized absmax
        // values are finished on the host, after the device pass: measured there.
        if ((info.method != "rtn" && info.method != "hqq") || info.doubleQuant)
            return std::nullopt;
        switch (info.scheme) {
        case QuantScheme::Asym:
            return 9; // (code - zero) * fp16(scale)
        case QuantScheme::Nf4:
            return 10; // code book * f32 absmax
        case QuantScheme::Fp4:
            return 11;
        default:
            return 0; // code * fp16(scale): the stored zero is 0 (GPTQ sym: 2^(n-1) - offset)
        }
    }
    if (format == QuantFormat::Fp8E4M3 || format == QuantFormat::Fp8E4M3Tensor)
        return 7;
    if (format == QuantFormat::Fp8E5M2 || format == QuantFormat::Fp8E5M2Tensor)
        return 8;
    switch (info.storage) {
    case DType::Q8_0:
        return 1;
    case DType::Q4_0:
        return 2;
    case DType::Q4_1:
        return 3;
    case DType::Q5_0:
        return 4;
    case DType::Q5_1:
        return 5;
    case DType::F16:
        return 6;
    case DType::Q6_K:
        return 12; // quantize_q6_k.comp's blocks
    case DType::Q4_K:
        return 13; // quantize_k4.comp's blocks (the bytes of any Q4_K encoder)
    case DType::Q5_K:
        return 14;
    case DType::IQ4_NL:
        return 15; // quantize_iq4_nl.comp's blocks
    case DType::Q2_K:
        return 16; // quantize_q2_k.comp's blocks
    case DType::Q3_K:
        return 17; // quantize_q3_k.comp's blocks
    default:
        return std::nullopt;
    }
}

MeasurePush pushFor(QuantFormat format, int64_t chunkRows, int64_t cols) {
    const auto& info = quantFormatInfo(format);
    MeasurePush p{};
    p.count = uint32_t(chunkRows * cols);
    p.cols = uint32_t(cols);
    p.mode = *measureMode(format);
    p.quantBase = uint32_t(kGuardWords);
    p.scaleBase = uint32_t(kGuardWords);
    p.groupLen = uint32_t(info.groupSize == 0 ? cols : info.groupSize);
    p.groupsPerRow = uint32_t(groupsPerRow(format, cols));
    const uint32_t codeWords = uint32_t((cols + 3) / 4);
    p.rowWords = info.kind == QuantKind::Rtn ? codeWords : codeWords + 1;      // FP8: + scale
    p.zeroBase = uint32_t(kGuardWords) + uint32_t(chunkRows) * p.groupsPerRow; // after the scales
    return p;
}

} // namespace

ErrorSumKernel::ErrorSumKernel(Device& device)
    : m_device(device)
    , m_pipeline(device, "measure_error", 4, sizeof(MeasurePush)) {}

bool ErrorSumKernel::handles(QuantFormat format) {
    return measureMode(format).has_value();
}

// Bound again for every chunk: a cache keyed on the VkBuffer handles could skip the update
// after a kernel regrew a buffer and the driver gave the new one the freed handle's value.
void ErrorSumKernel::bind(VkBuffer src, VkBuffer quant, VkBuffer scales) {
    const VkBuffer wanted[4] = {src, quant, scales, m_partials->handle()};
    m_pipeline.bindBuffers(wanted);
}

void ErrorSumKernel::record(VkCommandBuffer commands, QuantFormat format, int64_t chunkRows,
                            int64_t cols, VkBuffer src, VkBuffer quant, VkBuffer scales) {
    if (!handles(format))
        throw Error("vulkan: measure_error does not know the layout of " +
                    std::string(quantFormatInfo(format).name));
    const MeasurePush push = pushFor(format, chunkRows, cols);
    m_groups = (push.count + kValuesPerGroup - 1) / kValuesPerGroup;
    const uint64_t bytes = uint64_t(std::max(m_groups, 1u)) * kPartialFloats * sizeof(float);
    if (!m_partials || m_partials->bytes() < bytes)
        m_partials = std::make_unique<HostBuffer>(m_device, bytes, HostBuffer::Use::Readback);
    bind(src, quant, scales);
    m_pipeline.recordDispatch(commands, &push, m_groups);
}

void ErrorSumKernel::collect(ErrorSums& sums) const {
    const auto* p = static_cast<const float*>(m_partials->data());
    for (uint32_t g = 0; g < m_groups; ++g, p += kPartialFloats) {
        // Each pair is (sum, compensation): the group's value is sum - compensation.
        sums.sumW2 += double(p[0]) - double(p[1]);
        sums.sumQ2 += double(p[2]) - double(p[3]);
        sums.sumWQ += double(p[4]) - double(p[5]);
        sums.sumE2 += double(p[6]) - double(p[7]);
        sums.maxAbsError = std::max(sums.maxAbsError, double(p[8]));
    }
}

} // namespace ql::vk
