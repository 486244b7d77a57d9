// QuantizedTensor::resize does not zero a reused Block buffer (the fill cost Q8_0 a tenth of
// its time), which is only correct when every encoder writes every byte of its rows. This
// fills the buffer with a marker byte first and checks that the result equals a fresh one,
// for every Block format, on the scalar reference and on the CPU path.
#include "engine/compute/backend.h"
#include "engine/quant/hqq.h"
#include "engine/quant/quantize.h"

#include <gtest/gtest.h>
#include <random>

namespace ql {
namespace {

constexpr int64_t kRows = 6, kCols = 512; // a whole number of blocks for every Block type

std::vector<float> weights() {
    std::vector<float> w(size_t(kRows * kCols));
    std::mt19937 rng(7);
    std::normal_distribution<float> n(0.0f, 0.05f);
    for (auto& x : w)
        x = n(rng);
    w[3] = 0.0f;
    return w;
}

// A buffer holding another format's result, then overwritten with a marker.
QuantizedTensor staleBuffer(QuantFormat format) {
    QuantizedTensor q;
    q.resize(format, kRows, kCols);
    std::fill(q.packed.begin(), q.packed.end(), std::byte{0xA5});
    return q;
}

TEST(QuantizeBufferReuse, BlockEncodersWriteEveryByte) {
    const auto w = weights();
    auto cpu = makeCpuBackend(2);
    int checked = 0;
    for (const auto& info : quantFormats()) {
        if (info.kind != QuantKind::Block || isHqqFormat(info.format))
            continue;
        SCOPED_TRACE(std::string(info.name));
        QuantizedTensor fresh;
        quantizeReference(info.format, w, kRows, kCols, fresh);
        ASSERT_FALSE(fresh.packed.empty());

        QuantizedTensor reusedRef = staleBuffer(info.format);
        quantizeReference(info.format, w, kRows, kCols, reusedRef);
        EXPECT_EQ(reusedRef.packed, fresh.packed);

        QuantizedTensor reusedCpu = staleBuffer(info.format);
        cpu->quantize(info.format, w, kRows, kCols, reusedCpu);
        EXPECT_EQ(reusedCpu.packed, fresh.packed);
        ++checked;
    }
    EXPECT_GE(checked, 10); // Q8_0..Q6_K, IQ4_NL, F16, the FP8 family
}

TEST(QuantizeBufferReuse, ShrinkingAndGrowingKeepsOnlyNewRows) {
    const auto w = weights();
    QuantizedTensor q = staleBuffer(QuantFormat::Q8_0);
    quantizeReference(QuantFormat::Q8_0, std::span(w).first(size_t(2 * kCols)), 2, kCols, q);
    EXPECT_EQ(q.packed.size(), 2 * packedRowBytes(QuantFormat::Q8_0, kCols));
    quantizeReference(QuantFormat::Q8_0, w, kRows, kCols, q);
    QuantizedTensor fresh;
    quantizeReference(QuantFormat::Q8_0, w, kRows, kCols, fresh);
    EXPECT_EQ(q.packed, fresh.packed);
}

} // namespace
} // namespace ql
