// Bytes per weight format: the block sizes the issue names, and the arithmetic of
// "a 70B model's raw INT4 weights".
#include "engine/core/error.h"
#include "engine/fit/weight_format.h"

#include <gtest/gtest.h>

namespace ql::fit {
namespace {

double bitsPerWeight(WeightFormat f, int64_t rows, int64_t cols) {
    return 8.0 * double(tensorBytes(f, rows, cols)) / double(rows * cols);
}

TEST(FitFormats, GgufBlockSizesAndBitsPerWeight) {
    const struct {
        WeightFormat f;
        int64_t block, bytes;
        double bpw;
    } cases[] = {
        {WeightFormat::Q8_0, 32, 34, 8.5},      {WeightFormat::Q4_0, 32, 18, 4.5},
        {WeightFormat::Q4_1, 32, 20, 5.0},      {WeightFormat::Q5_0, 32, 22, 5.5},
        {WeightFormat::Q5_1, 32, 24, 6.0},      {WeightFormat::Q2_K, 256, 84, 2.625},
        {WeightFormat::Q3_K, 256, 110, 3.4375}, {WeightFormat::Q4_K, 256, 144, 4.5},
        {WeightFormat::Q5_K, 256, 176, 5.5},    {WeightFormat::Q6_K, 256, 210, 6.5625},
        {WeightFormat::IQ4_NL, 32, 18, 4.5},    {WeightFormat::F16, 1, 2, 16},
        {WeightFormat::BF16, 1, 2, 16},         {WeightFormat::F32, 1, 4, 32},
    };
    for (const auto& c : cases) {
        const auto block = ggmlBlock(c.f);
        ASSERT_TRUE(block) << weightFormatInfo(c.f).name;
        EXPECT_EQ(block->elements, c.block) << weightFormatInfo(c.f).name;
        EXPECT_EQ(block->bytes, c.bytes) << weightFormatInfo(c.f).name;
        EXPECT_DOUBLE_EQ(bitsPerWeight(c.f, 4096, 4096), c.bpw) << weightFormatInfo(c.f).name;
    }
}

TEST(FitFormats, QuantlensInt8AndInt4CountTheirFp16Scales) {
    // int8: one byte per weight + one fp16 scale per row.
    EXPECT_EQ(tensorBytes(WeightFormat::Int8PerChannel, 4096, 4096), 4096ull * (4096 + 2));
    // int4-g128: half a byte per weight + one fp16 scale per 128 weights: 4.125 bpw.
    EXPECT_EQ(tensorBytes(WeightFormat::Int4G128, 4096, 4096), 4096ull * (2048 + 32 * 2));
    EXPECT_DOUBLE_EQ(bitsPerWeight(WeightFormat::Int4G128, 4096, 4096), 4.125);
}

TEST(FitFormats, Fp8AndNf4) {
    EXPECT_EQ(tensorBytes(WeightFormat::Fp8PerTensor, 1024, 1024), 1024ull * 1024 + 4);
    EXPECT_EQ(tensorBytes(WeightFormat::Fp8PerChannel, 1024, 1024), 1024ull * 1024 + 1024 * 4);
    EXPECT_EQ(tensorBytes(WeightFormat::Fp8Block128, 1024, 1024), 1024ull * 1024 + 64 * 4);
    EXPECT_DOUBLE_EQ(bitsPerWeight(WeightFormat::Nf4, 4096, 4096), 4.5);
    // 4 + 8/64 + 32/(64 * 256) bits: the ~4.127 bpw of QLoRA's double quantization.
    EXPECT_NEAR(bitsPerWeight(WeightFormat::Nf4DoubleQuant, 4096, 4096), 4.127, 0.0005);
    EXPECT_DOUBLE_EQ(bitsPerWeight(WeightFormat::Mxfp4, 2880, 2880), 4.25);
}

TEST(FitFormats, RowsThatAreNotWholeBlocksFailOrFallBackLikeLlamaQuantize) {
    EXPECT_THROW(tensorBytes(WeightFormat::Q4_K, 64, 172), Error);
    EXPECT_EQ(ggufFallback(WeightFormat::Q4_K, 4096 + 32), WeightFormat::Q5_0);
    EXPECT_EQ(ggufFallback(WeightFormat::Q6_K, 4096 + 32), WeightFormat::Q8_0);
    EXPECT_EQ(ggufFallback(WeightFormat::Q3_K, 4096 + 32), WeightFormat::IQ4_NL);
    // stories260K's ffn_down (rows of 172) stays F16 in every llama-quantize output.
    EXPECT_EQ(ggufFallback(WeightFormat::Q8_0, 172), WeightFormat::F16);
    EXPECT_EQ(ggufFallback(WeightFormat::Q4_K, 4096), WeightFormat::Q4_K);
}

TEST(FitFormats, NamesRoundTrip) {
    for (const auto& info : weightFormats())
        EXPECT_EQ(weightFormatFromName(info.name), info.format) << info.name;
    EXPECT_EQ(weightFormatFromName("Q4_K"), WeightFormat::Q4_K);
    EXPECT_EQ(weightFormatFromName("int4"), WeightFormat::Int4G128);
    EXPECT_FALSE(weightFormatFromName("q4_K_M"));
}

} // namespace
} // namespace ql::fit
