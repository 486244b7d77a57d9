// Weights under llama-quantize's file types (engine/fit/preset_weights.h) against what
// llama.cpp published and wrote: Llama-3.1-8B's bits per weight for every preset in its
// tools/quantize table, and stories260K's golden GGUFs to the byte.
#include "engine/core/error.h"
#include "engine/fit/preset_weights.h"
#include "engine/fit/shape_from_model.h"
#include "engine/model/model.h"
#include "tests/engine/fit_test_util.h"

#include <cmath>
#include <gtest/gtest.h>

namespace ql::fit {
namespace {

double round4(double x) {
    return std::round(x * 1e4) / 1e4;
}

// reference/llama31_8b_quant_sizes_speed.csv (llama.cpp tools/quantize/README.md):
// bits per weight to four decimals, the size in GiB to two.
TEST(FitPreset, Llama31_8BMatchesLlamaCppsTableForEveryPreset) {
    QL_REQUIRE_DATA();
    const auto shape = test::configShape("meta-llama--Meta-Llama-3.1-8B_config.json");
    int compared = 0;
    for (const auto& row :
         test::readCsv(ql::test::dataDir() / "reference" / "llama31_8b_quant_sizes_speed.csv")) {
        const auto preset = llamaPresetFromName(row.at("quant_type"));
        if (!preset)
            continue; // IQ1..IQ3, IQ4_XS: no Quantlens encoder; F16 is not a preset
        SCOPED_TRACE(row.at("quant_type"));
        const auto w = presetWeightBytes(shape, *preset);
        // llama-bench's bits per weight: the tensors' bytes x 8 / parameters.
        EXPECT_EQ(round4(w.bitsPerWeight()), std::stod(row.at("bits_per_weight")));
        // Its size column is the file's, which holds the vocabulary too (some MiB).
        EXPECT_NEAR(double(w.total()) / double(1ull << 30), std::stod(row.at("size_gib")), 0.01);
        ++compared;
    }
    EXPECT_EQ(compared, 12);
}

// llama-quantize's files of stories260K: the sum of their tensors, byte for byte, from
// the F32 model's shape.
TEST(FitPreset, Stories260KGoldenFilesToTheByte) {
    QL_REQUIRE_DATA();
    const auto model = Model::open(ql::test::stories260K());
    const auto shape = shapeFromModel(*model);
    for (const auto& [preset, file] : {std::pair{LlamaPreset::Q4_K_M, "stories260K-Q4_K_M.gguf"},
                                       std::pair{LlamaPreset::Q4_0, "stories260K-Q4_0.gguf"},
                                       std::pair{LlamaPreset::Q5_0, "stories260K-Q5_0.gguf"},
                                       std::pair{LlamaPreset::Q8_0, "stories260K-Q8_0.gguf"}}) {
        SCOPED_TRACE(file);
        const auto golden = Model::open(ql::test::dataDir() / "golden" / file);
        uint64_t bytes = 0;
        for (const auto& t : golden->tensors())
            bytes += t.nbytes;
        EXPECT_EQ(presetWeightBytes(shape, preset).total(), bytes);
    }
}

// "Q4_0" is llama-quantize's file, "q4_0" the plain format: a stored preset variant and
// an imported result named after a GGUF type are sized as the file llama-quantize wrote.
TEST(FitPreset, NamesPickPresetOrFormat) {
    EXPECT_EQ(weightPolicyNamed("Q4_0")->preset, LlamaPreset::Q4_0);
    EXPECT_EQ(weightPolicyNamed("q4_0")->format, WeightFormat::Q4_0);
    EXPECT_FALSE(weightPolicyNamed("q4_0")->preset);
    EXPECT_EQ(weightPolicyNamed("q4_k_m")->preset, LlamaPreset::Q4_K_M);
    EXPECT_EQ(weightPolicyNamed("int4-g128")->format, WeightFormat::Int4G128);
    EXPECT_FALSE(weightPolicyNamed("q9_9"));
}

// A model file's expert stack {8, rows, cols} is 8 matrices: all of them are sized, and
// the 8-expert rules apply (attn_v in Q8_0 under Q4_K_M).
TEST(FitPreset, FileExpertStacksCountEveryExpert) {
    ModelShape s;
    s.modelType = "llama";
    s.attention.nLayer = 1;
    s.attention.nHead = 32;
    s.attention.nHeadKv = 8;
    const auto file = [](std::string name, int64_t rows, int64_t cols, int64_t count) {
        return TensorGroup{std::move(name),
                           TensorRole::Linear,
                           rows,
                           cols,
                           count,
                           uint64_t(rows * cols * count * 4),
                           WeightFormat::F32};
    };
    s.tensors = {file("blk.0.attn_v.weight", 1024, 4096, 1),
                 file("blk.0.ffn_down_exps.weight", 4096, 14336, 8)};
    const auto w = presetWeightBytes(s, LlamaPreset::Q4_K_M);
    // attn_v: Q8_0, 34 bytes per 32; the experts' ffn_down in layer 0 of 1 (use_more_bits):
    // Q6_K, 210 bytes per 256, eight times.
    EXPECT_EQ(w.total(), 1024ull * 4096 / 32 * 34 + 8ull * 4096 * 14336 / 256 * 210);
    EXPECT_EQ(w.parameters, 1024 * 4096 + 8 * 4096 * 14336);
}

TEST(FitPreset, MixedDenseAndMoeLayersAreRefusedWithAReason) {
    QL_REQUIRE_DATA();
    const auto shape = test::configShape("deepseek-ai--DeepSeek-V3_config.json");
    try {
        presetWeightBytes(shape, LlamaPreset::Q4_K_M);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("sized layer by layer"), std::string::npos)
            << e.what();
    }
}

} // namespace
} // namespace ql::fit
