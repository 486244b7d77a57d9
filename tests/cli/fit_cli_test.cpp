// quantlens-cli fit as a user runs it: config.json and GGUF inputs, JSON figures, exit
// codes (0 fits, 3 does not, 1 error) and readable errors.
#include "tests/common/cli_runner.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using FitRun = ql::test::CliResult;

FitRun runFitCli(const std::string& args) {
    return ql::test::runCli("fit " + args);
}

std::string config(const std::string& file) {
    return "'" + (ql::test::dataDir() / "model_configs" / file).string() + "'";
}

TEST(FitCli, Llama70BInt4OnAnH100) {
    QL_REQUIRE_DATA();
    const auto r = runFitCli(config("meta-llama--Meta-Llama-3.1-70B_config.json") +
                             " --format int4-g128 --ctx 2048 --batch 1 --gpu h100 --json");
    ASSERT_EQ(r.exitCode, 0) << r.err << r.out;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["parameters"], 70553706496);
    EXPECT_EQ(j["per_gpu"]["kv"], 640ull << 20);
    EXPECT_EQ(j["gpu"], "h100-sxm");
    EXPECT_TRUE(j["fits"]);
    EXPECT_GT(j["headroom_bytes"].get<int64_t>(), 0);
    EXPECT_GT(j["max_context"].get<int64_t>(), 2048);
}

// A checkpoint's folder without its weights (config.json and ModelOpt's
// hf_quant_config.json, as downloaded) is sized as the checkpoint ships: FP8.
TEST(FitCli, CheckpointFolderWithoutWeightsIsSizedFromItsConfigs) {
    QL_REQUIRE_DATA();
    ql::test::TempDir dir;
    const auto configs = ql::test::dataDir() / "model_configs";
    std::filesystem::copy_file(configs / "nvidia--Llama-3.1-70B-Instruct-FP8_config.json",
                               dir / "config.json");
    std::filesystem::copy_file(configs / "nvidia--Llama-3.1-70B-Instruct-FP8_hf_quant_config.json",
                               dir / "hf_quant_config.json");
    const std::string folder = "'" + dir.path().string() + "'";
    const auto text = runFitCli(folder + " --ctx 8192 --gpu h100-sxm --runtime vllm");
    EXPECT_EQ(text.exitCode, 3) << text.err << text.out; // f16 KV: 1.23 GiB short
    EXPECT_NE(text.out.find("hf_quant_config.json: modelopt FP8"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("--kv-type fp8 sizes that"), std::string::npos) << text.out;
    const auto j =
        runFitCli(folder + " --ctx 8192 --gpu h100-sxm --runtime vllm --kv-type fp8 --json");
    ASSERT_EQ(j.exitCode, 0) << j.err << j.out;
    const auto r = nlohmann::json::parse(j.out);
    EXPECT_EQ(r["weights_total"]["total"], 72656373952ull);
    EXPECT_EQ(r["max_positions"], 131072);
}

TEST(FitCli, RuntimeWithoutTheCacheTypeIsAnError) {
    QL_REQUIRE_DATA();
    const auto r = runFitCli(config("meta-llama--Meta-Llama-3.1-8B_config.json") +
                             " --gpu h100-sxm --runtime llamacpp --kv-type fp8");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.err.find("llama.cpp has no FP8 KV cache"), std::string::npos) << r.err;
}

TEST(FitCli, TensorParallelHalvesWeights) {
    QL_REQUIRE_DATA();
    const std::string base = config("meta-llama--Meta-Llama-3.1-70B_config.json") +
                             " --format f16 --ctx 4096 --gpu a100-sxm-80gb --json";
    const auto one = runFitCli(base);
    const auto two = runFitCli(base + " --tp 2");
    EXPECT_EQ(one.exitCode, 3) << one.err;
    ASSERT_EQ(two.exitCode, 0) << two.err;
    const auto j1 = nlohmann::json::parse(one.out), j2 = nlohmann::json::parse(two.out);
    EXPECT_EQ(j2["per_gpu"]["weights"], j1["per_gpu"]["weights"].get<uint64_t>() / 2);
    EXPECT_EQ(j2["per_gpu"]["fixed_estimate"], j1["per_gpu"]["fixed_estimate"]);
}

TEST(FitCli, Stories260KAsLlamaCppPrintedIt) {
    QL_REQUIRE_DATA();
    const auto r =
        runFitCli("'" + ql::test::stories260K().string() + "' --ctx 512 --gpu t4 --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["per_gpu"]["weights"], 1171200);          // model buffer
    EXPECT_EQ(j["per_gpu"]["kv"], 327680);                // KV buffer at -c 512
    EXPECT_EQ(j["per_gpu"]["output"], 2048);              // output buffer
    EXPECT_EQ(j["per_gpu"]["compute_estimate"], 9967616); // compute buffer
}

TEST(FitCli, TextReportSaysFitsAndLabelsEstimates) {
    QL_REQUIRE_DATA();
    const auto r = runFitCli(config("Qwen--Qwen3-8B_config.json") +
                             " --format q4_K --ctx 8192 --gpu l4 --runtime vllm");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.out.find("FITS"), std::string::npos);
    EXPECT_NE(r.out.find("compute buffer (estimate)"), std::string::npos);
    EXPECT_NE(r.out.find("largest context"), std::string::npos);
}

TEST(FitCli, Q8_0KeyCacheOnStoriesIsRefusedLikeLlamaCpp) {
    QL_REQUIRE_DATA();
    const auto r = runFitCli("'" + ql::test::stories260K().string() +
                             "' --ctx 2048 --gpu t4 --kv-type q8_0 --flash-attn");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.err.find("head dimension"), std::string::npos) << r.err;
}

TEST(FitCli, UnknownGpuAndFormatNameTheChoices) {
    QL_REQUIRE_DATA();
    const std::string model = config("meta-llama--Meta-Llama-3.1-8B_config.json");
    const auto gpu = runFitCli(model + " --gpu h900");
    EXPECT_EQ(gpu.exitCode, 1);
    EXPECT_NE(gpu.err.find("h100-sxm"), std::string::npos) << gpu.err;
    const auto format = runFitCli(model + " --gpu h100 --format q4_K_M");
    EXPECT_EQ(format.exitCode, 1);
    EXPECT_NE(format.err.find("int4-g128"), std::string::npos) << format.err;
}

} // namespace
