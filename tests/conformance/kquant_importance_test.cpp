// The importance variants of the searched-format shaders (shaders/*_imatrix, built from
// quantize_k4.comp, quantize_q6_k.comp and quantize_iq4_nl.comp with QL_IMPORTANCE): ggml's
// importance-weighted encoders on the device, byte-identical to ql::quantizeWithImportance
// (the CPU's, itself pinned to llama.cpp's bytes) over weights and importance vectors that
// span many orders of magnitude, zero weights, odd block counts, chunked dispatches, MoE
// stacks whose rows take different vectors, and the blocks handed to the host. The bytes of
// llama.cpp's own imatrix goldens close it.
#include "engine/compute/vulkan/vulkan_backend.h"
#include "engine/compute/vulkan/vulkan_fault.h"
#include "engine/quant/imatrix_quantize.h"
#include "tests/common/golden_files.h"
#include "tests/common/test_data.h"
#include "tests/conformance/backends.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <gtest/gtest.h>
#include <iostream>
#include <limits>
#include <random>

namespace ql::test {
namespace {

// Weights in sub-blocks of 16 with amplitudes log-uniform over [2^-8, 2^8] (gaussian, a
// spike, or a constant shape), so that the candidates of every search win somewhere.
std::vector<float> weights(int64_t rows, int64_t cols, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> gauss(0.0f, 1.0f);
    std::uniform_int_distribution<int> exponent(-8, 8), shape(0, 2);
    std::vector<float> x(size_t(rows * cols));
    for (size_t sub = 0; sub < x.size() / 16; ++sub) {
        const float amplitude = std::ldexp(1.0f, exponent(rng));
        const int kind = shape(rng);
        for (size_t i = 0; i < 16; ++i)
            x[sub * 16 + i] = amplitude * (kind == 0   ? gauss(rng)
                                           : kind == 1 ? (i == 5 ? 3.0f : 0.02f * gauss(rng))
                                                       : 0.5f);
    }
    return x;
}

// One importance vector per matrix: log-uniform over [1e-4, 1e4] (llama-imatrix's mean
// squared activations of real models span about that), one column in ten 0 (a dead input
// channel), and in the first matrix a run of 32 zeros (a whole sub-block without weight).
std::vector<float> importance(int64_t cols, int64_t matrices, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> decade(-4.0f, 4.0f);
    std::uniform_int_distribution<int> dead(0, 9);
    std::vector<float> w(size_t(cols * matrices));
    for (float& v : w)
        v = dead(rng) == 0 ? 0.0f : std::pow(10.0f, decade(rng));
    for (int64_t j = 32; j < std::min<int64_t>(64, cols); ++j)
        w[size_t(j)] = 0.0f;
    return w;
}

class KQuantImportanceTest : public OwnVulkanBackend<::testing::TestWithParam<QuantFormat>> {
protected:
    // The device against the CPU encoder on the same rows; returns the device's host blocks.
    uint64_t expectIdentical(const std::vector<float>& src, int64_t rows, int64_t cols,
                             const std::vector<float>& imp, ImportanceRows layout = {}) {
        QuantizedTensor ref, out;
        quantizeWithImportance(GetParam(), src, rows, cols, imp, ref, 1, layout);
        EXPECT_TRUE(m_vulkan->supportsImportance(GetParam(), rows, cols).ok);
        m_vulkan->quantizeWithImportance(GetParam(), src, rows, cols, {imp, layout}, out);
        EXPECT_EQ(out.packed, ref.packed) << rows << " x " << cols << " (" << out.backend << ")";
        EXPECT_EQ(out.backend.rfind(m_vulkan->label(), 0), 0u) << out.backend;
        return m_vulkan->lastHostBlocks();
    }
};

TEST_P(KQuantImportanceTest, MatchesTheCpuEncoderOverWideWeightsAndImportance) {
    // 1, 3, 5 and 7 blocks per dispatch leave workgroups partly empty; 33 x 2304 is several
    // workgroups of odd size.
    const std::pair<int64_t, int64_t> shapes[] = {{1, 256}, {3, 256},  {5, 256},
                                                  {7, 768}, {64, 512}, {33, 2304}};
    uint32_t seed = 11;
    for (const auto& [rows, cols] : shapes) {
        const auto src = weights(rows, cols, seed);
        const auto imp = importance(cols, 1, seed + 100);
        EXPECT_EQ(expectIdentical(src, rows, cols, imp), 0u)
            << "in-range weights and importance must be encoded by the shader, not the host";
        ++seed;
    }
}

// The importance must change the bytes (else the tests above could not tell a shader that
// ignores it): against the plain encoder and against all-ones weights.
TEST_P(KQuantImportanceTest, TheImportanceChangesTheBytes) {
    const int64_t rows = 16, cols = 1024;
    const auto src = weights(rows, cols, 5);
    QuantizedTensor weighted, plain, ones;
    m_vulkan->quantizeWithImportance(GetParam(), src, rows, cols, {importance(cols, 1, 6), {}},
                                     weighted);
    m_vulkan->quantize(GetParam(), src, rows, cols, plain);
    const std::vector<float> one(size_t(cols), 1.0f);
    m_vulkan->quantizeWithImportance(GetParam(), src, rows, cols, {one, {}}, ones);
    EXPECT_NE(weighted.packed, plain.packed);
    EXPECT_NE(weighted.packed, ones.packed);
}

// A MoE stack: 3 matrices of 5 rows, each with its own vector; the call starts at row 4 of
// the stack (a job's chunk), and the device may take 2 rows per dispatch, so dispatches
// begin inside a matrix and span two.
TEST_P(KQuantImportanceTest, EachRowTakesItsMatrixsVectorAcrossChunks) {
    const int64_t perMatrix = 5, matrices = 3, cols = 512, firstRow = 4;
    const int64_t rows = perMatrix * matrices - firstRow;
    const auto src = weights(rows, cols, 21);
    const auto imp = importance(cols, matrices, 22);
    for (uint64_t maxGroups : {0u, 1u, 2u}) {
        // At most 1 or 2 workgroups per dispatch: 2 to 8 rows of 512 each (0: no limit).
        m_vulkan->setMaxRowsPerDispatchForTesting(maxGroups);
        EXPECT_EQ(expectIdentical(src, rows, cols, imp, {firstRow, perMatrix}), 0u);
        if (maxGroups > 0) {
            EXPECT_GT(m_vulkan->lastDispatchCount(), 1) << "the limit must split the rows";
        }
    }
    m_vulkan->setMaxRowsPerDispatchForTesting(0);
    // The vectors were told apart: one vector for every row gives other bytes.
    QuantizedTensor stacked, single;
    m_vulkan->quantizeWithImportance(GetParam(), src, rows, cols, {imp, {firstRow, perMatrix}},
                                     stacked);
    m_vulkan->quantizeWithImportance(GetParam(), src, rows, cols, {imp, {}}, single);
    EXPECT_NE(stacked.packed, single.packed);
}

// Blocks the shader cannot vouch for go to the host's encoder, with their importance: a
// subnormal weight (a device may read it as 0), one so large that the weighted sums
// overflow, and a non-finite input value. Everything else stays on the device.
TEST_P(KQuantImportanceTest, HandsBlocksOutsideItsRangeToTheHost) {
    const int64_t rows = 4, cols = 512;
    auto src = weights(rows, cols, 31);
    // Column 7 holds its sub-block's largest magnitude in every row, so that its code is
    // never 0 and its weight enters every sum (a weight on a zero code changes nothing).
    for (int64_t r = 0; r < rows; ++r) {
        float amax = 0.0f;
        for (int64_t j = 0; j < 16; ++j)
            amax = std::max(amax, std::fabs(src[size_t(r * cols + j)]));
        src[size_t(r * cols + 7)] = 2.0f * amax;
    }
    auto imp = importance(cols, 1, 32);
    imp[300] = std::numeric_limits<float>::denorm_min() * 5.0f;
    EXPECT_EQ(expectIdentical(src, rows, cols, imp), uint64_t(rows))
        << "one block per row holds column 300";
    imp[300] = 1.0f;
    imp[7] = 1e36f;
    EXPECT_EQ(expectIdentical(src, rows, cols, imp), uint64_t(rows));
    imp[7] = 1.0f;
    auto bad = src;
    bad[cols + 3] = std::numeric_limits<float>::quiet_NaN();
    // The legacy formats weigh every block of a row by the row's mean square, which the
    // NaN makes NaN: the whole row goes to the host.
    const bool rowWide = dtypeInfo(quantFormatInfo(GetParam()).storage).blockSize == 32 &&
                         GetParam() != QuantFormat::IQ4_NL;
    EXPECT_EQ(expectIdentical(bad, rows, cols, imp), rowWide ? uint64_t(cols / 32) : 1u);
}

TEST_P(KQuantImportanceTest, AVectorTooFewForTheRowsIsAnError) {
    const int64_t cols = 256;
    const auto src = weights(6, cols, 41);
    const auto imp = importance(cols, 2, 42); // 2 matrices of 2 rows; rows 4 and 5 have none
    QuantizedTensor out;
    try {
        m_vulkan->quantizeWithImportance(GetParam(), src, 6, cols, {imp, {0, 2}}, out);
        FAIL() << "rows beyond the vectors must be refused";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("holds 2 vector(s)"), std::string::npos) << e.what();
    }
}

// A lost device mid-job: the call throws VulkanFault, and from then on the backend says
// no, so that the job finishes on the CPU (quantize_job.cpp).
TEST_P(KQuantImportanceTest, ADeviceLossIsAFaultAndLeavesTheWorkToTheCpu) {
    const int64_t rows = 8, cols = 512;
    const auto src = weights(rows, cols, 51);
    const auto imp = importance(cols, 1, 52);
    m_vulkan->injectDeviceLossForTesting(1);
    QuantizedTensor out;
    EXPECT_THROW(m_vulkan->quantizeWithImportance(GetParam(), src, rows, cols, {imp, {}}, out),
                 VulkanFault);
    const Support after = m_vulkan->supportsImportance(GetParam(), rows, cols);
    EXPECT_FALSE(after.ok);
    EXPECT_NE(after.reason.find("failed earlier"), std::string::npos) << after.reason;
}

INSTANTIATE_TEST_SUITE_P(ImportanceVariants, KQuantImportanceTest,
                         ::testing::Values(QuantFormat::Q2_K, QuantFormat::Q3_K, QuantFormat::Q4_K,
                                           QuantFormat::Q5_K, QuantFormat::Q6_K,
                                           QuantFormat::IQ4_NL, QuantFormat::Q4_0,
                                           QuantFormat::Q4_1, QuantFormat::Q5_0, QuantFormat::Q5_1),
                         [](const ::testing::TestParamInfo<QuantFormat>& info) {
                             std::string name(quantFormatInfo(info.param).name);
                             std::erase(name, '_');
                             return name;
                         });

// Every format with an importance-weighted encoder has it on the device too; a format
// without one is refused by both backends, with the reason.
TEST(KQuantImportance, EveryImportanceFormatHasAShaderAndTheOthersAreRefused) {
    QL_REQUIRE_VULKAN();
    auto* vulkan = dynamic_cast<VulkanBackend*>(vulkanProbe().backend.get());
    ASSERT_NE(vulkan, nullptr);
    const auto cpu = makeCpuBackend(1);
    int weighted = 0;
    for (const QuantFormatInfo& info : quantFormats()) {
        if (!takesImportance(info.format))
            continue;
        ++weighted;
        EXPECT_TRUE(vulkan->supportsImportance(info.format, 8, 256).ok) << info.name;
        EXPECT_TRUE(cpu->supportsImportance(info.format, 8, 256).ok) << info.name;
    }
    EXPECT_EQ(weighted, 10) << "Q2_K..Q6_K, IQ4_NL, Q4_0, Q4_1, Q5_0, Q5_1";
    for (QuantFormat format : {QuantFormat::Int8PerChannel, QuantFormat::Q8_0}) {
        EXPECT_FALSE(vulkan->supportsImportance(format, 8, 256).ok);
        EXPECT_FALSE(cpu->supportsImportance(format, 8, 256).ok);
    }
    // 4097 columns are no whole number of super-blocks: the job stores such a tensor in
    // its fallback format, and the device says why.
    const Support odd = vulkan->supportsImportance(QuantFormat::Q4_K, 2, 4097);
    EXPECT_FALSE(odd.ok);
    EXPECT_NE(odd.reason.find("super-blocks"), std::string::npos) << odd.reason;
}

// llama.cpp's own bytes: golden/quant's gauss input quantized by ggml_quantize_chunk with
// its imatrix (gauss.imatrix.f32), for the formats with an importance golden.
TEST(KQuantImportanceGolden, DeviceBytesAreLlamaCppBytes) {
    QL_REQUIRE_DATA();
    QL_REQUIRE_VULKAN();
    auto* vulkan = dynamic_cast<VulkanBackend*>(vulkanProbe().backend.get());
    ASSERT_NE(vulkan, nullptr);
    const auto dir = test::dataDir() / "golden" / "quant";
    int compared = 0;
    for (QuantFormat format : {QuantFormat::Q4_K, QuantFormat::Q6_K, QuantFormat::IQ4_NL,
                               QuantFormat::Q5_K, QuantFormat::Q4_0, QuantFormat::Q4_1}) {
        const std::string type(dtypeInfo(quantFormatInfo(format).storage).name);
        for (const test::GoldenInput& in : test::quantGoldenInputs()) {
            const std::string stem = std::string(in.name);
            const auto golden = dir / (stem + "." + type + ".imatrix.bin");
            if (!std::filesystem::exists(golden))
                continue;
            const auto x = test::readFloats(dir / (stem + ".f32"));
            const auto imp = test::readFloats(dir / (stem + ".imatrix.f32"));
            const auto expected = test::readBytes(golden);
            QuantizedTensor out;
            vulkan->quantizeWithImportance(format, x, in.rows, in.cols, {imp, {}}, out);
            EXPECT_EQ(vulkan->lastHostBlocks(), 0u) << out.backend;
            ASSERT_EQ(out.packed.size(), expected.size()) << golden;
            EXPECT_EQ(std::memcmp(out.packed.data(), expected.data(), expected.size()), 0)
                << type << " bytes differ from llama.cpp's imatrix run on " << stem << " ("
                << out.backend << ")";
            std::cout << "[kquant-imatrix-golden] " << type << " " << stem << ": " << out.backend
                      << "\n";
            ++compared;
        }
    }
    EXPECT_GE(compared, 3) << "too few imatrix goldens found in " << dir;
}

} // namespace
} // namespace ql::test
