// llama-quantize's file types (engine/quant/llama_presets.h): the per-tensor choices
// against the GGUFs llama-quantize wrote from stories260K (every tensor's type and bytes),
// the rules worked by hand on real model shapes, and a preset variant rebuilt for
// evaluation giving the perplexity of llama-quantize's own file.
#include "engine/core/error.h"
#include "engine/eval/eval_model.h"
#include "engine/eval/perplexity.h"
#include "engine/eval/text_file.h"
#include "engine/jobs/quantize_job.h"
#include "engine/model/model.h"
#include "engine/model/safetensors_writer.h"
#include "engine/quant/llama_presets.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <algorithm>
#include <cstring>
#include <gtest/gtest.h>
#include <map>

namespace ql {
namespace {

struct PresetRun {
    QuantizeOutcome outcome;
    std::map<std::string, std::vector<std::byte>> bytes; // every quantized tensor's
};

PresetRun quantizeWithPreset(LlamaPreset preset, Workspace& ws) {
    BackendSet backends(BackendSet::Preference::Cpu);
    JobContext ctx;
    PresetRun run;
    QuantizeRequest request;
    request.modelPath = test::stories260K();
    request.preset = preset;
    request.onChunk = [&](const std::string& tensor, int64_t, const QuantizedTensor& q) {
        auto& b = run.bytes[tensor];
        b.insert(b.end(), q.packed.begin(), q.packed.end());
    };
    run.outcome = quantizeModel(request, ws, backends, ctx);
    return run;
}

std::string lower(std::string s) {
    for (char& c : s)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Every tensor llama-quantize quantized comes out in the same type with the same bytes;
// the rest (norms) it kept, and so does the variant.
void expectSameFileAsLlamaQuantize(LlamaPreset preset, const char* file) {
    Workspace ws(":memory:");
    const PresetRun run = quantizeWithPreset(preset, ws);
    const auto golden = Model::open(test::dataDir() / "golden" / file);
    std::map<std::string, std::string> storage;
    for (const auto& m : run.outcome.metrics)
        storage[m.tensor] = m.storageFormat;
    int quantized = 0;
    for (const auto& t : golden->tensors()) {
        const auto it = storage.find(t.name);
        if (it == storage.end()) {
            EXPECT_EQ(t.dtype, DType::F32) << file << " " << t.name;
            continue;
        }
        ++quantized;
        EXPECT_EQ(it->second, lower(std::string(dtypeInfo(t.dtype).name))) << file << " " << t.name;
        const auto expected = golden->tensorBytes(t);
        const auto& ours = run.bytes.at(t.name);
        ASSERT_EQ(ours.size(), expected.size()) << file << " " << t.name;
        EXPECT_EQ(0, std::memcmp(ours.data(), expected.data(), ours.size()))
            << file << " " << t.name << ": bytes differ";
    }
    EXPECT_EQ(quantized, 37) << file; // 48 tensors less 11 norms
    EXPECT_EQ(run.outcome.variant.format, llamaPresetInfo(preset).name);
}

TEST(LlamaPreset, Q4_K_MIsLlamaQuantizesFileTensorByTensor) {
    QL_REQUIRE_DATA();
    // Rows of 64 hold no K-quant block: attn_v of layers 2 and 4 (use_more_bits) Q6_K ->
    // Q8_0, the other Q4_K tensors Q5_0, output.weight Q8_0, ffn_down (rows of 172) F16.
    expectSameFileAsLlamaQuantize(LlamaPreset::Q4_K_M, "stories260K-Q4_K_M.gguf");
}

TEST(LlamaPreset, LegacyTypesKeepTheOutputInQ6_KOrItsFallback) {
    QL_REQUIRE_DATA();
    expectSameFileAsLlamaQuantize(LlamaPreset::Q4_0, "stories260K-Q4_0.gguf");
    expectSameFileAsLlamaQuantize(LlamaPreset::Q4_1, "stories260K-Q4_1.gguf");
    expectSameFileAsLlamaQuantize(LlamaPreset::Q5_0, "stories260K-Q5_0.gguf");
    expectSameFileAsLlamaQuantize(LlamaPreset::Q8_0, "stories260K-Q8_0.gguf");
}

TEST(LlamaPreset, RebuiltVariantScoresAsLlamaQuantizesFile) {
    QL_REQUIRE_DATA();
    Workspace ws(":memory:");
    quantizeWithPreset(LlamaPreset::Q4_K_M, ws);
    const EvalModel ours = openEvalModel("Q4_K_M", &ws);
    const EvalModel theirs =
        openEvalModel((test::dataDir() / "golden" / "stories260K-Q4_K_M.gguf").string(), nullptr);
    const auto tokens = theirs.tokenizer.tokenize(
        readEvalText(test::dataDir() / "text" / "tinystories_valid_1-500.txt"));
    RunOptions o;
    o.nCtx = 128;
    o.maxChunks = 6;
    const auto a = computePerplexity(*ours.forward, tokens, ours.tokenizer.bos(), o);
    const auto b = computePerplexity(*theirs.forward, tokens, theirs.tokenizer.bos(), o);
    EXPECT_EQ(a.tokenNll, b.tokenNll);
    EXPECT_EQ(a.ppl, b.ppl);
}

std::vector<LlamaTensorRef> llamaTensors(int64_t layers, std::vector<std::string>& names,
                                         int64_t cols = 4096) {
    names = {"token_embd.weight", "output.weight"};
    for (int64_t i = 0; i < layers; ++i)
        for (const char* part :
             {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"})
            names.push_back("blk." + std::to_string(i) + "." + part + ".weight");
    std::vector<LlamaTensorRef> refs;
    for (const auto& n : names)
        refs.push_back({n, n.find("ffn_down") != std::string::npos ? 14336 : cols});
    return refs;
}

std::map<std::string, std::map<QuantFormat, int>>
countByPart(const std::vector<std::string>& names, const std::vector<QuantFormat>& formats) {
    std::map<std::string, std::map<QuantFormat, int>> out;
    for (size_t i = 0; i < names.size(); ++i) {
        const auto dot = names[i].rfind('.', names[i].size() - 8);
        ++out[names[i].substr(dot + 1)][formats[i]];
    }
    return out;
}

TEST(LlamaPreset, Q4_K_MOnLlama3_8BWorkedByHand) {
    // 32 layers: use_more_bits(i, 32) holds for i < 4, i >= 28 and (i - 4) % 3 == 2 (6, 9,
    // ..., 27): 16 layers whose attn_v and ffn_down take Q6_K.
    std::vector<std::string> names;
    const auto refs = llamaTensors(32, names);
    const LlamaModelFacts facts{"llama", 32, 32, 8, 0, true, false};
    const auto f = llamaPresetFormats(LlamaPreset::Q4_K_M, facts, refs);
    const auto c = countByPart(names, f);
    using F = QuantFormat;
    EXPECT_EQ(c.at("output.weight"), (std::map<F, int>{{F::Q6_K, 1}}));
    EXPECT_EQ(c.at("token_embd.weight"), (std::map<F, int>{{F::Q4_K, 1}}));
    EXPECT_EQ(c.at("attn_v.weight"), (std::map<F, int>{{F::Q4_K, 16}, {F::Q6_K, 16}}));
    EXPECT_EQ(c.at("ffn_down.weight"), (std::map<F, int>{{F::Q4_K, 16}, {F::Q6_K, 16}}));
    const auto formatOf = [&](const std::string& name) {
        return f[size_t(std::find(names.begin(), names.end(), name) - names.begin())];
    };
    for (int i : {3, 4, 5, 6, 7, 27, 28})
        EXPECT_EQ(formatOf("blk." + std::to_string(i) + ".attn_v.weight"),
                  i == 3 || i == 6 || i >= 27 ? F::Q6_K : F::Q4_K)
            << "layer " << i;
    for (const char* part : {"attn_q.weight", "attn_k.weight", "attn_output.weight",
                             "ffn_gate.weight", "ffn_up.weight"})
        EXPECT_EQ(c.at(part), (std::map<F, int>{{F::Q4_K, 32}})) << part;
    // Q3_K_M: attn_v Q5_K in the first two layers, Q4_K after; ffn_down Q5_K in the first
    // 32/16 = 2, Q4_K after (llama is not falcon); attn_output Q4_K.
    const auto m = countByPart(names, llamaPresetFormats(LlamaPreset::Q3_K_M, facts, refs));
    EXPECT_EQ(m.at("attn_v.weight"), (std::map<F, int>{{F::Q4_K, 30}, {F::Q5_K, 2}}));
    EXPECT_EQ(m.at("ffn_down.weight"), (std::map<F, int>{{F::Q4_K, 30}, {F::Q5_K, 2}}));
    EXPECT_EQ(m.at("attn_output.weight"), (std::map<F, int>{{F::Q4_K, 32}}));
    EXPECT_EQ(m.at("attn_q.weight"), (std::map<F, int>{{F::Q3_K, 32}}));
}

TEST(LlamaPreset, SeventyBAndEightExpertRules) {
    using F = QuantFormat;
    std::vector<std::string> names;
    // Llama-2/3-70B: 80 layers, GQA: attn_v's Q4_K becomes Q5_K.
    const auto refs = llamaTensors(80, names, 8192);
    const LlamaModelFacts seventy{"llama", 80, 64, 8, 0, true, false};
    const auto c = countByPart(names, llamaPresetFormats(LlamaPreset::Q4_K_M, seventy, refs));
    // use_more_bits(i, 80): i < 10, i >= 70, (i - 10) % 3 == 2 for 10 <= i < 70 (20 layers).
    EXPECT_EQ(c.at("attn_v.weight"), (std::map<F, int>{{F::Q5_K, 40}, {F::Q6_K, 40}}));
    // Eight experts (Mixtral): attn_v and attn_k Q8_0, attn_output Q5_K.
    const LlamaModelFacts mixtral{"llama", 80, 64, 8, 8, true, false};
    const auto x = countByPart(names, llamaPresetFormats(LlamaPreset::Q4_K_M, mixtral, refs));
    EXPECT_EQ(x.at("attn_v.weight"), (std::map<F, int>{{F::Q8_0, 80}}));
    EXPECT_EQ(x.at("attn_k.weight"), (std::map<F, int>{{F::Q8_0, 80}}));
    EXPECT_EQ(x.at("attn_output.weight"), (std::map<F, int>{{F::Q5_K, 80}}));
}

TEST(LlamaPreset, TiedEmbeddingServesAsOutputAndImatrixRulesApply) {
    using F = QuantFormat;
    std::vector<std::string> names;
    auto refs = llamaTensors(16, names);
    refs.erase(refs.begin() + 1); // no output.weight
    names.erase(names.begin() + 1);
    LlamaModelFacts facts{"llama", 16, 32, 8, 0, false, false};
    const auto f = llamaPresetFormats(LlamaPreset::Q4_0, facts, refs);
    EXPECT_EQ(f[0], F::Q6_K); // token_embd as the output
    // With an imatrix, Q4_0's first eighth of ffn_down (16/8 = 2 layers) goes to Q4_1.
    facts.imatrix = true;
    const auto c = countByPart(names, llamaPresetFormats(LlamaPreset::Q4_0, facts, refs));
    EXPECT_EQ(c.at("ffn_down.weight"), (std::map<F, int>{{F::Q4_0, 14}, {F::Q4_1, 2}}));
}

// Names as llama.cpp's MoE, fused and falcon models have them, one set per layer.
std::vector<LlamaTensorRef> refsOf(const std::vector<std::string>& parts, int64_t layers,
                                   std::vector<std::string>& names) {
    names = {"token_embd.weight", "output.weight"};
    for (int64_t i = 0; i < layers; ++i)
        for (const auto& part : parts)
            names.push_back("blk." + std::to_string(i) + "." + part + ".weight");
    std::vector<LlamaTensorRef> refs;
    for (const auto& n : names)
        refs.push_back({n, 4096});
    return refs;
}

TEST(LlamaPreset, MoeDownProjectionsTakeTheLayerFromTheName) {
    using F = QuantFormat;
    // Qwen2-MoE: 28 layers, each with an expert stack and a shared expert. The layer comes
    // from the name, not from a counter that would run to 56: use_more_bits(i, 28) holds
    // for i < 3, i >= 24 and i = 5, 8, ..., 23: 14 layers.
    std::vector<std::string> names;
    const auto refs = refsOf({"attn_v", "ffn_down_exps", "ffn_down_shexp"}, 28, names);
    const LlamaModelFacts facts{"qwen2moe", 28, 28, 4, 60, true, false};
    const auto c = countByPart(names, llamaPresetFormats(LlamaPreset::Q4_K_M, facts, refs));
    EXPECT_EQ(c.at("ffn_down_exps.weight"), (std::map<F, int>{{F::Q4_K, 14}, {F::Q6_K, 14}}));
    EXPECT_EQ(c.at("ffn_down_shexp.weight"), (std::map<F, int>{{F::Q4_K, 14}, {F::Q6_K, 14}}));
}

TEST(LlamaPreset, QwenAt80LayersIs70BAndFusedQkvAndFalconRules) {
    using F = QuantFormat;
    std::vector<std::string> names;
    // Qwen2.5-72B: llama.cpp's LLM_TYPE_70B too, so Q4_K_M's Q4_K attn_v is Q5_K.
    const auto refs = refsOf({"attn_v"}, 80, names);
    const LlamaModelFacts qwen{"qwen2", 80, 64, 8, 0, true, false};
    EXPECT_EQ(
        countByPart(names, llamaPresetFormats(LlamaPreset::Q4_K_M, qwen, refs)).at("attn_v.weight"),
        (std::map<F, int>{{F::Q5_K, 40}, {F::Q6_K, 40}}));
    // A fused attn_qkv (phi3): Q4_K_M gives it Q5_K, Q5_K_M Q6_K.
    const auto fused = refsOf({"attn_qkv"}, 4, names);
    const LlamaModelFacts phi{"phi3", 4, 32, 32, 0, true, false};
    EXPECT_EQ(llamaPresetFormats(LlamaPreset::Q4_K_M, phi, fused)[2], F::Q5_K);
    EXPECT_EQ(llamaPresetFormats(LlamaPreset::Q5_K_M, phi, fused)[2], F::Q6_K);
    // Falcon: output.weight Q8_0; Q4_K_M's ffn_down Q6_K in the first sixteenth, Q5_K
    // where use_more_bits, Q4_K else; Q3_K_L's attn_output Q4_K.
    const auto falconRefs = refsOf({"attn_output", "ffn_down"}, 32, names);
    const LlamaModelFacts falcon{"falcon", 32, 32, 8, 0, true, false};
    const auto f = llamaPresetFormats(LlamaPreset::Q4_K_M, falcon, falconRefs);
    EXPECT_EQ(f[1], F::Q8_0);
    const auto c = countByPart(names, f);
    EXPECT_EQ(c.at("ffn_down.weight"),
              (std::map<F, int>{{F::Q4_K, 16}, {F::Q5_K, 14}, {F::Q6_K, 2}}));
    EXPECT_EQ(countByPart(names, llamaPresetFormats(LlamaPreset::Q3_K_L, falcon, falconRefs))
                  .at("attn_output.weight"),
              (std::map<F, int>{{F::Q4_K, 32}}));
}

TEST(LlamaPreset, Q2_K_SAndIq4NlRules) {
    using F = QuantFormat;
    std::vector<std::string> names;
    const auto refs = refsOf({"attn_v", "ffn_down"}, 32, names);
    // Grouped-query attention of 4 (32 heads, 8 KV heads).
    LlamaModelFacts facts{"llama", 32, 32, 8, 0, true, false};
    const auto q2 = countByPart(names, llamaPresetFormats(LlamaPreset::Q2_K_S, facts, refs));
    EXPECT_EQ(q2.at("attn_v.weight"), (std::map<F, int>{{F::Q4_K, 32}}));
    EXPECT_EQ(q2.at("ffn_down.weight"), (std::map<F, int>{{F::Q2_K, 28}, {F::Q4_K, 4}}));
    // IQ4_NL: attn_v Q5_K at n_gqa >= 4; ffn_down's first eighth Q5_K without an imatrix.
    const auto nl = countByPart(names, llamaPresetFormats(LlamaPreset::IQ4_NL, facts, refs));
    EXPECT_EQ(nl.at("attn_v.weight"), (std::map<F, int>{{F::Q5_K, 32}}));
    EXPECT_EQ(nl.at("ffn_down.weight"), (std::map<F, int>{{F::IQ4_NL, 28}, {F::Q5_K, 4}}));
    facts.imatrix = true;
    const auto withImatrix =
        countByPart(names, llamaPresetFormats(LlamaPreset::IQ4_NL, facts, refs));
    EXPECT_EQ(withImatrix.at("ffn_down.weight"), (std::map<F, int>{{F::IQ4_NL, 32}}));
}

TEST(LlamaPreset, HuggingFaceTensorWithoutAGgufNameIsRefused) {
    test::TempDir dir;
    std::vector<std::byte> zeros(64 * 64 * 4);
    writeSafetensors(dir / "model.safetensors",
                     {{"model.layers.0.self_attn.qkv_proj.weight", "F32", {64, 64}, zeros}});
    Workspace ws(":memory:");
    BackendSet backends(BackendSet::Preference::Cpu);
    JobContext ctx;
    QuantizeRequest request;
    request.modelPath = dir / "model.safetensors";
    request.preset = LlamaPreset::Q4_K_M;
    try {
        quantizeModel(request, ws, backends, ctx);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("model.layers.0.self_attn.qkv_proj.weight"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_TRUE(ws.variants().empty());
}

TEST(LlamaPreset, NamesAndHuggingFaceTensors) {
    EXPECT_EQ(llamaPresetFromName("q4_k_m"), LlamaPreset::Q4_K_M);
    EXPECT_EQ(llamaPresetFromName("Q8_0"), LlamaPreset::Q8_0);
    EXPECT_FALSE(llamaPresetFromName("Q4_K_X"));
    EXPECT_EQ(llamaPresetFromName("Q4_K"), LlamaPreset::Q4_K_M); // llama-quantize's alias
    EXPECT_EQ(llamaPresetSpelled("Q4_0"), LlamaPreset::Q4_0);
    EXPECT_FALSE(llamaPresetSpelled("q4_0")); // the plain format's name
    EXPECT_EQ(variantBaseFormat("Q4_K_M"), QuantFormat::Q4_K);
    EXPECT_EQ(variantBaseFormat("int4-g128"), QuantFormat::Int4G128);
    EXPECT_EQ(llamaCppTensorName("model.layers.12.self_attn.v_proj.weight"),
              "blk.12.attn_v.weight");
    EXPECT_EQ(llamaCppTensorName("model.layers.0.mlp.down_proj.weight"), "blk.0.ffn_down.weight");
    EXPECT_EQ(llamaCppTensorName("model.embed_tokens.weight"), "token_embd.weight");
    EXPECT_EQ(llamaCppTensorName("lm_head.weight"), "output.weight");
    EXPECT_EQ(llamaCppTensorName("model.layers.x.mlp.down_proj.weight"),
              "model.layers.x.mlp.down_proj.weight");
    EXPECT_EQ(llamaCppTensorName("blk.3.attn_v.weight"), "blk.3.attn_v.weight");
}

} // namespace
} // namespace ql
