// A config.json checkpoint sized as it ships: its declared quantization (config.json's
// quantization_config, ModelOpt's hf_quant_config.json beside it), the model's position
// limit on the largest context, and the KV types and tensor-parallel splits each runtime
// offers. Byte counts are worked by hand from the configs' dimensions.
#include "engine/core/error.h"
#include "engine/fit/checkpoint_quant.h"
#include "engine/fit/fit.h"
#include "tests/common/temp_dir.h"
#include "tests/engine/fit_test_util.h"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ql::fit {
namespace {

constexpr uint64_t kGiB = 1ull << 30;

FitRequest onGpu(Runtime runtime, uint64_t gpuGiB, int64_t context) {
    FitRequest r;
    r.runtime = defaultProfile(runtime);
    r.context = context;
    r.gpuBytes = gpuGiB * kGiB;
    r.gpuName = "test";
    return r;
}

bool hasNote(const FitReport& f, const std::string& text) {
    for (const auto& n : f.notes)
        if (n.find(text) != std::string::npos)
            return true;
    return false;
}

TEST(FitCheckpoint, ModelOptFp8SizesLinearLayersInFp8AndKeepsLmHead) {
    QL_REQUIRE_DATA();
    const auto s = test::configShape("nvidia--Llama-3.1-70B-Instruct-FP8_config.json");
    ASSERT_TRUE(s.checkpoint);
    EXPECT_EQ(s.checkpoint->method, "modelopt FP8");
    EXPECT_EQ(s.checkpoint->source, "nvidia--Llama-3.1-70B-Instruct-FP8_hf_quant_config.json");
    EXPECT_EQ(s.checkpoint->format, WeightFormat::Fp8PerTensor);
    EXPECT_EQ(s.checkpoint->kvCache, WeightFormat::Fp8PerTensor);
    EXPECT_EQ(s.checkpoint->keep, std::vector<std::string>{"lm_head"});
    // Llama-3.1-70B: 80 layers of q, o (8192 x 8192), k, v (1024 x 8192), gate, up, down
    // (28672 x 8192) at one byte each with one fp32 scale per tensor; embeddings and
    // lm_head (128256 x 8192) and the norms (2 x 8192 per layer + 8192) in bf16.
    const uint64_t linear = 80ull * (2 * 8192 * 8192 + 2 * 1024 * 8192 + 3 * 28672ull * 8192);
    const uint64_t scales = 80ull * 7 * 4;
    const uint64_t bf16 = 2ull * (2 * 128256ull * 8192 + 80 * 2 * 8192 + 8192);
    const auto w = weightBytes(s, WeightPolicy{});
    EXPECT_EQ(w.codes, linear);
    EXPECT_EQ(w.metadata, scales);
    EXPECT_EQ(w.unquantized, bf16);
    EXPECT_EQ(w.total(), 72'656'373'952ull);
}

TEST(FitCheckpoint, Fp8BlockCheckpointIsSizedInTiles) {
    QL_REQUIRE_DATA();
    const auto s = test::configShape("Qwen--Qwen3-32B-FP8_config.json");
    ASSERT_TRUE(s.checkpoint);
    EXPECT_EQ(s.checkpoint->format, WeightFormat::Fp8Block128);
    // Qwen3-32B, 64 layers: q 8192 x 5120, k and v 1024 x 5120, o 5120 x 8192, gate and up
    // 25600 x 5120, down 5120 x 25600; one fp32 per 128 x 128 tile: 64x40 + 2 x 8x40 +
    // 40x64 + 3 x 200x40 = 29 760 per layer.
    const uint64_t perLayer = 2 * 8192ull * 5120 + 2 * 1024ull * 5120 + 3 * 25600ull * 5120;
    const auto w = weightBytes(s, WeightPolicy{});
    EXPECT_EQ(w.codes, 64 * perLayer);
    EXPECT_EQ(w.metadata, 64ull * 29760 * 4);
    // Embedding and lm_head (151936 x 5120), two norms and q/k norms (2 x 128) per layer
    // and the final norm, in bf16.
    EXPECT_EQ(w.unquantized, 2ull * (2 * 151936ull * 5120 + 64 * (2 * 5120 + 2 * 128) + 5120));
    WeightPolicy explicitFormat;
    explicitFormat.format = WeightFormat::Fp8Block128;
    EXPECT_EQ(weightBytes(s, explicitFormat).total(), w.total());
}

TEST(FitCheckpoint, Mxfp4CheckpointKeepsTheModulesItDoesNotConvert) {
    QL_REQUIRE_DATA();
    const auto s = test::configShape("openai--gpt-oss-20b_config.json");
    ASSERT_TRUE(s.checkpoint);
    EXPECT_EQ(s.checkpoint->format, WeightFormat::Mxfp4);
    // Only the experts are MXFP4 (17 bytes per 32 weights): 24 layers x 32 experts of
    // gate_up (5760 x 2880) and down (2880 x 2880). Everything else stays bf16.
    const uint64_t experts = 24ull * 32 * (5760 * 2880 + 2880 * 2880);
    const auto w = weightBytes(s, WeightPolicy{});
    EXPECT_EQ(w.codes, experts / 2);
    EXPECT_EQ(w.metadata, experts / 32);
    EXPECT_EQ(w.unquantized, 2 * (uint64_t(s.parameters()) - experts));
    EXPECT_TRUE(keptByCheckpoint(*s.checkpoint, "layers.*.self_attn.q_proj"));
    EXPECT_TRUE(keptByCheckpoint(*s.checkpoint, "layers.*.mlp.router"));
    EXPECT_FALSE(keptByCheckpoint(*s.checkpoint, "layers.*.mlp.experts.*.gate_up_proj"));
}

TEST(FitCheckpoint, ModulePatternsMatchAModuleAndWhatIsUnderIt) {
    CheckpointQuantization q;
    q.keep = {"lm_head", "model.layers.*.self_attn", "layers.1*.mlp"};
    EXPECT_TRUE(keptByCheckpoint(q, "lm_head"));
    EXPECT_FALSE(keptByCheckpoint(q, "lm_head_2"));
    EXPECT_TRUE(keptByCheckpoint(q, "layers.*.self_attn.o_proj"));
    EXPECT_FALSE(keptByCheckpoint(q, "layers.*.self_attention.o_proj"));
    EXPECT_TRUE(keptByCheckpoint(q, "layers.12.mlp.down_proj"));
    EXPECT_FALSE(keptByCheckpoint(q, "layers.2.mlp.down_proj"));
    EXPECT_FALSE(keptByCheckpoint(q, "embed_tokens"));
    // Stars match any run, including an empty one and one holding dots.
    q.keep = {"*a*b*c*"};
    EXPECT_TRUE(keptByCheckpoint(q, "abc"));
    EXPECT_TRUE(keptByCheckpoint(q, "x.a.y.b.z.c"));
    EXPECT_FALSE(keptByCheckpoint(q, "cba"));
    // A pattern of many stars against a long name is quick (no exponential backtracking).
    q.keep = {std::string(40, '*') + "q"};
    EXPECT_FALSE(keptByCheckpoint(q, std::string(200, 'a')));
}

TEST(FitCheckpoint, ReportSaysHowTheWeightsWereSizedAndWhatTheKvCacheCouldBe) {
    QL_REQUIRE_DATA();
    const auto s = test::configShape("nvidia--Llama-3.1-70B-Instruct-FP8_config.json");
    auto r = onGpu(Runtime::Vllm, 80, 8192);
    const auto f16 = fitModel(s, r);
    EXPECT_TRUE(hasNote(f16, "weights as the checkpoint ships them")) << f16.notes.back();
    EXPECT_TRUE(hasNote(f16, "fp8 KV-cache scales"));
    r.kvTypeK = r.kvTypeV = WeightFormat::Fp8PerTensor;
    const auto fp8 = fitModel(s, r);
    EXPECT_FALSE(hasNote(fp8, "fp8 KV-cache scales"));
    EXPECT_EQ(fp8.kvBytes() * 2, f16.kvBytes());
    // An explicit format replaces the checkpoint's, and the report does not claim it.
    r.weights.format = WeightFormat::BF16;
    EXPECT_FALSE(hasNote(fitModel(s, r), "weights as the checkpoint ships them"));
}

TEST(FitCheckpoint, ExclusionsOfSingleLayersAreNamedAsNotModelled) {
    nlohmann::json c = {{"hidden_size", 64},
                        {"num_hidden_layers", 2},
                        {"num_attention_heads", 4},
                        {"intermediate_size", 128},
                        {"vocab_size", 100},
                        {"quantization_config",
                         {{"quant_method", "fp8"},
                          {"modules_to_not_convert", {"lm_head", "model.layers.0.self_attn"}}}}};
    const auto f = fitModel(shapeFromHfConfig(c, "one-layer"), onGpu(Runtime::Vllm, 80, 1024));
    EXPECT_TRUE(hasNote(f, "match no tensor group here and are sized in fp8: "
                           "model.layers.0.self_attn"));
}

TEST(FitCheckpoint, UnknownMethodIsCountedInBf16AndSaysSo) {
    nlohmann::json c = {{"hidden_size", 64},
                        {"num_hidden_layers", 2},
                        {"num_attention_heads", 4},
                        {"intermediate_size", 128},
                        {"vocab_size", 100},
                        {"quantization_config", {{"quant_method", "awq"}, {"bits", 4}}}};
    const auto s = shapeFromHfConfig(c, "awq");
    ASSERT_TRUE(s.checkpoint);
    EXPECT_FALSE(s.checkpoint->format);
    const auto w = weightBytes(s, WeightPolicy{});
    EXPECT_EQ(w.total(), 2 * uint64_t(s.parameters()));
    const auto f = fitModel(s, onGpu(Runtime::Vllm, 80, 1024));
    EXPECT_TRUE(hasNote(f, "awq) in a way the fit model does not size"));
}

TEST(FitCheckpoint, BadHfQuantConfigNamesTheFileTheKeyAndTheOffset) {
    QL_REQUIRE_DATA();
    ql::test::TempDir dir;
    std::filesystem::copy_file(ql::test::dataDir() / "model_configs" /
                                   "meta-llama--Meta-Llama-3.1-8B_config.json",
                               dir / "config.json");
    const std::string text = R"({"quantization": {"quant_algo": 8}})";
    std::ofstream(dir / "hf_quant_config.json") << text;
    try {
        shapeFromHfConfigFile(dir / "config.json");
        FAIL() << "no error";
    } catch (const Error& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("hf_quant_config.json"), std::string::npos) << m;
        EXPECT_NE(m.find("'quant_algo' is not a string"), std::string::npos) << m;
        EXPECT_NE(m.find("byte " + std::to_string(text.find("8}"))), std::string::npos) << m;
    }
}

TEST(FitCheckpoint, LargestContextStopsAtTheModelsPositions) {
    QL_REQUIRE_DATA();
    const auto s = test::configShape("meta-llama--Meta-Llama-3.1-8B_config.json");
    EXPECT_EQ(s.maxPositions, 131072);
    auto r = onGpu(Runtime::Vllm, 141, 8192);
    const auto f = fitModel(s, r);
    EXPECT_EQ(f.maxContext, 131072);
    EXPECT_GT(f.maxContextByMemory, 131072);
    EXPECT_TRUE(hasNote(f, "the largest context is the model's 131072 positions"));
    r.context = 200000;
    EXPECT_TRUE(hasNote(fitModel(s, r), "beyond the model's 131072 positions"));
    // On a card too small for the limit, memory decides and nothing is said about it.
    const auto small = fitModel(s, onGpu(Runtime::Vllm, 24, 4096));
    EXPECT_EQ(small.maxContext, small.maxContextByMemory);
    EXPECT_LT(small.maxContext, 131072);
}

TEST(FitCheckpoint, RuntimesRefuseCacheTypesAndSplitsTheyDoNotOffer) {
    QL_REQUIRE_DATA();
    const auto s = test::configShape("meta-llama--Meta-Llama-3.1-8B_config.json");
    auto llama = onGpu(Runtime::LlamaCpp, 80, 4096);
    llama.kvTypeK = WeightFormat::Fp8PerTensor;
    EXPECT_THROW(fitModel(s, llama), Error);
    auto vllm = onGpu(Runtime::Vllm, 80, 4096);
    vllm.kvTypeK = WeightFormat::Q8_0;
    EXPECT_THROW(fitModel(s, vllm), Error);
    vllm.kvTypeK = WeightFormat::Fp8PerTensor;
    EXPECT_NO_THROW(fitModel(s, vllm));
    // 32 query heads, 8 KV heads: tp 3 splits neither; 16 splits the query heads and
    // replicates each KV head on two GPUs.
    vllm.tensorParallel = 3;
    EXPECT_THROW(fitModel(s, vllm), Error);
    vllm.tensorParallel = 16;
    EXPECT_NO_THROW(fitModel(s, vllm));
    auto trt = onGpu(Runtime::TrtLlm, 80, 4096);
    trt.tensorParallel = 6;
    EXPECT_THROW(fitModel(s, trt), Error);
    // llama.cpp splits layers, not heads.
    llama.kvTypeK = WeightFormat::F16;
    llama.tensorParallel = 3;
    EXPECT_NO_THROW(fitModel(s, llama));
}

} // namespace
} // namespace ql::fit
