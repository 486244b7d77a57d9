// The CPU backend no longer zero-fills the codes, scales and zero points of a reused
// non-block output (cpu_backend.cpp, prepareOutput): correct only if quantizeTensorCpu
// writes every one of them. These tests fill a reused output with marker values first
// (0xA5 codes, NaN-like scales) and check that the result equals a fresh reference
// quantization field for field, for every non-block format, at odd widths, after
// shrinking and growing, and after the buffer held another format.
#include "engine/compute/backend.h"
#include "engine/quant/hqq.h"
#include "engine/quant/quantize.h"

#include <bit>
#include <gtest/gtest.h>
#include <random>

namespace ql {
namespace {

std::vector<float> weights(int64_t rows, int64_t cols) {
    std::vector<float> w(size_t(rows * cols));
    std::mt19937 rng(uint32_t(rows * 131 + cols));
    std::normal_distribution<float> n(0.0f, 0.05f);
    for (auto& x : w)
        x = n(rng);
    w[0] = 0.0f;
    return w;
}

bool sameBits(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::bit_cast<uint32_t>(a[i]) != std::bit_cast<uint32_t>(b[i]))
            return false;
    return true;
}

void expectSame(const QuantizedTensor& got, const QuantizedTensor& want) {
    EXPECT_EQ(got.format, want.format);
    EXPECT_EQ(got.rows, want.rows);
    EXPECT_EQ(got.cols, want.cols);
    EXPECT_EQ(got.codes, want.codes);
    EXPECT_TRUE(sameBits(got.scales, want.scales));
    EXPECT_TRUE(sameBits(got.zeros, want.zeros));
    EXPECT_EQ(got.doubleQuant.offset, want.doubleQuant.offset);
    EXPECT_EQ(got.doubleQuant.codes, want.doubleQuant.codes);
    EXPECT_TRUE(sameBits(got.doubleQuant.absmax, want.doubleQuant.absmax));
    EXPECT_EQ(got.packed, want.packed);
}

// Every field of a previous result overwritten with a marker, at `rows` x `cols`.
void markStale(QuantizedTensor& q, QuantFormat previous, int64_t rows, int64_t cols) {
    q.resize(previous, rows, cols);
    const float marker = std::bit_cast<float>(0x7fa5a5a5u); // a NaN: never a real scale
    std::fill(q.codes.begin(), q.codes.end(), int8_t(0xA5));
    std::fill(q.scales.begin(), q.scales.end(), marker);
    std::fill(q.zeros.begin(), q.zeros.end(), marker);
    std::fill(q.packed.begin(), q.packed.end(), std::byte{0xA5});
    q.doubleQuant.offset = marker;
    q.doubleQuant.codes.assign(3, 0xA5);
    q.doubleQuant.absmax.assign(3, marker);
}

std::vector<QuantFormat> nonBlockFormats() {
    std::vector<QuantFormat> formats;
    for (const auto& info : quantFormats())
        if (info.kind != QuantKind::Block && !isHqqFormat(info.format))
            formats.push_back(info.format);
    return formats;
}

TEST(CpuOutputReuse, NonBlockEncodersWriteEveryCodeScaleAndZero) {
    auto cpu = makeCpuBackend(2);
    int checked = 0;
    for (int64_t cols : {1, 31, 32, 33, 127, 4097}) {
        const int64_t rows = cols > 1000 ? 5 : 40;
        const auto w = weights(rows, cols);
        for (QuantFormat f : nonBlockFormats()) {
            SCOPED_TRACE(std::string(quantFormatInfo(f).name) + " cols " + std::to_string(cols));
            QuantizedTensor fresh;
            quantizeReference(f, w, rows, cols, fresh);
            QuantizedTensor reused;
            markStale(reused, f, rows, cols);
            cpu->quantize(f, w, rows, cols, reused);
            expectSame(reused, fresh);
            ++checked;
        }
    }
    EXPECT_GE(checked, 6 * 20); // the int RTN family, compressed-tensors, NF4/FP4 (+dq)
}

TEST(CpuOutputReuse, ShrinkingGrowingAndSwitchingFormatKeepNoStaleValue) {
    auto cpu = makeCpuBackend(2);
    const int64_t cols = 300;
    const auto w = weights(64, cols);
    for (QuantFormat f : nonBlockFormats()) {
        SCOPED_TRACE(quantFormatInfo(f).name);
        QuantizedTensor fresh;
        quantizeReference(f, w, 64, cols, fresh);
        QuantizedTensor q;
        markStale(q, QuantFormat::Nf4Dq, 80, cols); // larger, another format's fields
        cpu->quantize(f, std::span(w).first(size_t(9 * cols)), 9, cols, q);
        markStale(q, f, 9, cols); // smaller, then grown back
        cpu->quantize(f, w, 64, cols, q);
        expectSame(q, fresh);
        markStale(q, QuantFormat::Q8_0, 64, 512); // a block format's bytes before
        cpu->quantize(f, w, 64, cols, q);
        expectSame(q, fresh);
    }
}

} // namespace
} // namespace ql
