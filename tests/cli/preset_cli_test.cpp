// quantlens-cli quantize --preset and fit --preset as a user runs them: llama-quantize's
// file types, checked against the GGUF llama-quantize wrote and the size llama.cpp
// published.
#include "engine/model/model.h"
#include "tests/common/cli_runner.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using ql::test::CliResult;
using ql::test::runCli;
using ql::test::shellQuote;

TEST(PresetCli, QuantizeQ4_K_MIsTheSizeOfLlamaQuantizesFile) {
    QL_REQUIRE_DATA();
    ql::test::TempDir dir;
    const CliResult r = runCli("quantize " + shellQuote(ql::test::stories260K()) +
                               " --preset q4_k_m --device cpu --json --workspace " +
                               shellQuote(dir / "w.quantlens"));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["format"], "Q4_K_M");
    const auto golden = ql::Model::open(ql::test::dataDir() / "golden" / "stories260K-Q4_K_M.gguf");
    uint64_t bytes = 0;
    for (const auto& t : golden->tensors())
        bytes += t.nbytes;
    EXPECT_EQ(j["total_bytes"].get<uint64_t>(), bytes);
    const auto& parameters = j["parameters"];
    EXPECT_EQ(parameters["llama_quantize_preset"], "Q4_K_M");
    // output.weight and attn_v of layers 2 and 4 in q8_0 (Q6_K's fallback), the five
    // ffn_down (rows of 172) in f16, the other 29 matrices in q5_0 (Q4_K's fallback).
    EXPECT_EQ(parameters["tensors_per_format"],
              (nlohmann::json{{"f16", 5}, {"q5_0", 29}, {"q8_0", 3}}));
}

TEST(PresetCli, QuantizeTextNamesEachTensorsType) {
    QL_REQUIRE_DATA();
    const CliResult r =
        runCli("quantize " + shellQuote(ql::test::stories260K()) + " --preset Q4_K_M --device cpu");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto lineOf = [&](const std::string& tensor) {
        const size_t at = r.out.find("\n" + tensor + " ");
        return at == std::string::npos ? std::string()
                                       : r.out.substr(at + 1, r.out.find('\n', at + 1) - at - 1);
    };
    EXPECT_TRUE(lineOf("output.weight").ends_with("  q8_0")) << r.out;
    EXPECT_TRUE(lineOf("blk.1.attn_v.weight").ends_with("  q5_0")) << r.out;
    EXPECT_TRUE(lineOf("blk.0.ffn_down.weight").ends_with("  f16")) << r.out;
    EXPECT_EQ(r.out.find("fallback)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("each tensor in the type llama-quantize's Q4_K_M gives it"),
              std::string::npos)
        << r.out;
}

TEST(PresetCli, FormatOrPresetNotBothAndUnknownPresetsAreNamed) {
    QL_REQUIRE_DATA();
    const std::string model = shellQuote(ql::test::stories260K());
    const CliResult both = runCli("quantize " + model + " --format q4_0 --preset Q4_0");
    EXPECT_EQ(both.exitCode, 1);
    EXPECT_NE(both.err.find("--preset"), std::string::npos) << both.err;
    const CliResult unknown = runCli("quantize " + model + " --preset Q4_K_X");
    EXPECT_EQ(unknown.exitCode, 1);
    EXPECT_NE(unknown.err.find("Q4_K_M"), std::string::npos) << unknown.err;
    const CliResult noImatrix = runCli("quantize " + model + " --preset Q2_K_S");
    EXPECT_EQ(noImatrix.exitCode, 1);
    EXPECT_NE(noImatrix.err.find("Q2_K_S needs an importance matrix"), std::string::npos)
        << noImatrix.err;
}

TEST(PresetCli, FitWithAPresetPrintsLlamaCppsBitsPerWeight) {
    QL_REQUIRE_DATA();
    const auto config =
        ql::test::dataDir() / "model_configs" / "meta-llama--Meta-Llama-3.1-8B_config.json";
    const CliResult r = runCli("fit " + shellQuote(config) + " --preset Q4_K_M --gpu h100-sxm");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    // llama.cpp's tools/quantize table: Llama-3.1-8B Q4_K_M, 4.8944 bits per weight.
    EXPECT_NE(r.out.find("4.894 bits per weight"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("weights as llama-quantize writes Q4_K_M"), std::string::npos) << r.out;
}

} // namespace
