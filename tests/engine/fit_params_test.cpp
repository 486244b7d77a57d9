// Parameter counts from the verbatim config.json files against the published sizes.
#include "engine/core/error.h"
#include "engine/fit/weight_bytes.h"
#include "tests/common/temp_dir.h"
#include "tests/engine/fit_test_util.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ql::fit {
namespace {

using test::configShape;

double billions(const ModelShape& s) {
    return double(s.parameters()) / 1e9;
}
double round2(double v) {
    return std::round(v * 100) / 100;
}

TEST(FitParams, Llama31MatchesPublishedSizesToTwoDecimals) {
    QL_REQUIRE_DATA();
    EXPECT_EQ(round2(billions(configShape("meta-llama--Meta-Llama-3.1-8B_config.json"))), 8.03);
    EXPECT_EQ(round2(billions(configShape("meta-llama--Meta-Llama-3.1-70B_config.json"))), 70.55);
    EXPECT_EQ(round2(billions(configShape("meta-llama--Meta-Llama-3.1-405B_config.json"))), 405.85);
    EXPECT_EQ(configShape("meta-llama--Meta-Llama-3.1-8B_config.json").parameters(), 8030261248);
    EXPECT_EQ(configShape("meta-llama--Meta-Llama-3.1-70B_config.json").parameters(), 70553706496);
    // The FP8 checkpoint's config describes the same network.
    EXPECT_EQ(configShape("nvidia--Llama-3.1-70B-Instruct-FP8_config.json").parameters(),
              70553706496);
}

TEST(FitParams, MixtralExperts) {
    QL_REQUIRE_DATA();
    EXPECT_EQ(round2(billions(configShape("mistralai--Mixtral-8x7B-v0.1_config.json"))), 46.70);
    // Published "141B" (Mistral's announcement); 140.62B counted.
    EXPECT_EQ(std::round(billions(configShape("mistralai--Mixtral-8x22B-v0.1_config.json"))), 141);
}

TEST(FitParams, DeepSeekV3Is671BWithoutItsMtpModule) {
    QL_REQUIRE_DATA();
    const auto s = configShape("deepseek-ai--DeepSeek-V3_config.json");
    EXPECT_GE(billions(s), 671.0);
    EXPECT_LT(billions(s), 671.1);
    // num_nextn_predict_layers = 1: the checkpoint's "14B" MTP module (model card: 685B
    // total). Counted here: 13.46B with its own embed_tokens and shared_head copies, so
    // 684.49B in all; Hugging Face's 685B also counts the FP8 scale_inv tensors.
    EXPECT_NEAR(double(s.excludedParameters) / 1e9, 13.46, 0.01);
    EXPECT_NEAR(billions(s) + double(s.excludedParameters) / 1e9, 685, 0.6);
    EXPECT_TRUE(s.attention.mla);
    EXPECT_EQ(s.attention.mlaLatentDim, 512 + 64);
}

TEST(FitParams, Qwen3DenseAndMoe) {
    QL_REQUIRE_DATA();
    // Model cards: 8.2B, 32.8B, 30.5B total.
    EXPECT_NEAR(billions(configShape("Qwen--Qwen3-8B_config.json")), 8.2, 0.05);
    EXPECT_NEAR(billions(configShape("Qwen--Qwen3-32B_config.json")), 32.8, 0.05);
    EXPECT_NEAR(billions(configShape("Qwen--Qwen3-32B-FP8_config.json")), 32.8, 0.05);
    EXPECT_NEAR(billions(configShape("Qwen--Qwen3-30B-A3B_config.json")), 30.5, 0.05);
}

TEST(FitParams, GptOssSlidingLayersAndSize) {
    QL_REQUIRE_DATA();
    const auto s = configShape("openai--gpt-oss-20b_config.json");
    // OpenAI's model card: 20.91B total parameters.
    EXPECT_EQ(round2(billions(s)), 20.91);
    ASSERT_EQ(s.attention.window.size(), 24u);
    EXPECT_EQ(s.attention.window[0], 128);
    EXPECT_EQ(s.attention.window[1], 0);
}

TEST(FitParams, TiedEmbeddingsCountOnce) {
    nlohmann::json c = {{"model_type", "llama"},       {"hidden_size", 64},
                        {"num_hidden_layers", 2},      {"vocab_size", 100},
                        {"num_attention_heads", 4},    {"intermediate_size", 128},
                        {"tie_word_embeddings", false}};
    const auto untied = shapeFromHfConfig(c);
    c["tie_word_embeddings"] = true;
    EXPECT_EQ(untied.parameters() - shapeFromHfConfig(c).parameters(), 100 * 64);
}

TEST(FitParams, MissingKeysNameTheKey) {
    const nlohmann::json c = {{"model_type", "llama"}, {"hidden_size", 64}};
    try {
        shapeFromHfConfig(c);
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("num_hidden_layers"), std::string::npos);
    }
}

// Crafted inputs to tests/fuzz/fuzz_hf_config: keys of the wrong type escaped as
// nlohmann::type_error, num_hidden_layers = 1e11 asked for a 745 GiB vector of sliding
// windows, and sizes near 2^63 overflowed int64 while the shape was built. Each is now a
// ql::Error naming the file, the key and the byte where its value starts (found here by
// searching the written text; where a key is written twice, the last one counts, as in
// nlohmann::json).
TEST(FitParams, HostileConfigValuesAreErrorsNamingTheKey) {
    ql::test::TempDir dir;
    const auto textWith = [](const std::string& extra) {
        return R"({"hidden_size": 64, "num_hidden_layers": 2, "vocab_size": 100,
                                   "num_attention_heads": 4)" +
               extra + "}";
    };
    const auto error = [&](const std::string& extra) {
        const auto path = dir / "config.json";
        std::ofstream(path) << textWith(extra);
        try {
            shapeFromHfConfigFile(path);
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    // " (at byte N)", N where the last `"key": ` of the text written for `extra` ends.
    const auto at = [&](const std::string& extra, const std::string& key) {
        const std::string head = "\"" + key + "\": ";
        const std::string text = textWith(extra);
        return " (at byte " + std::to_string(text.rfind(head) + head.size()) + ")";
    };
    EXPECT_EQ(error(""), "no error");
    const std::string file = (dir / "config.json").string() + ": config.json: ";
    std::string extra;
    extra = R"(, "model_type": 5)";
    EXPECT_EQ(error(extra), file + "'model_type' is not a string" + at(extra, "model_type"));
    extra = R"(, "tie_word_embeddings": "yes")";
    EXPECT_EQ(error(extra), file + "'tie_word_embeddings' is not true or false" +
                                at(extra, "tie_word_embeddings"));
    extra = R"(, "sliding_window": 8, "use_sliding_window": 1)";
    EXPECT_EQ(error(extra),
              file + "'use_sliding_window' is not true or false" + at(extra, "use_sliding_window"));
    extra = R"(, "model_type": "qwen2_moe", "num_experts": 2, "moe_intermediate_size": 8,
                       "mlp_only_layers": "0")";
    EXPECT_EQ(error(extra),
              file + "'mlp_only_layers' is not a list of integers" + at(extra, "mlp_only_layers"));
    extra = R"(, "intermediate_size": 9223372036854775807)";
    EXPECT_EQ(error(extra),
              file + "'intermediate_size' is 9223372036854775807, beyond the 16 777 216 " +
                  "Quantlens accepts" + at(extra, "intermediate_size"));
    extra = R"(, "head_dim": -16777217)";
    EXPECT_EQ(error(extra), file +
                                "'head_dim' is -16777217, beyond the 16 777 216 Quantlens accepts" +
                                at(extra, "head_dim"));
    extra = R"(, "num_hidden_layers": 100000)";
    EXPECT_EQ(error(extra),
              file + "'num_hidden_layers' is 100000, beyond the 65 536 layers Quantlens accepts" +
                  at(extra, "num_hidden_layers"));
    // Each size accepted, their product not: 2^24 rows x 64 x 2 x 2^24 experts. No one
    // value is at fault, so no offset.
    EXPECT_EQ(error(R"(, "model_type": "qwen2_moe", "num_experts": 16777216,
                       "moe_intermediate_size": 16777216)"),
              file + "the sizes make 'layers.*.mlp.experts.*.gate_proj' 16777216 x 64 x " +
                  "33554432, more than the 2^50 parameters Quantlens accepts");
}

// A bad element of a list is named by where the element starts; a missing key has no
// offset to give.
TEST(FitParams, ConfigErrorsPointAtTheValueOrAtNothing) {
    ql::test::TempDir dir;
    const auto path = dir / "config.json";
    const auto error = [&](const std::string& text) {
        std::ofstream(path) << text;
        try {
            shapeFromHfConfigFile(path);
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    const std::string file = path.string() + ": config.json: ";
    std::string t = R"({"hidden_size": 64, "num_hidden_layers": 2, "vocab_size": 100,
        "num_attention_heads": 4, "model_type": "qwen2_moe", "num_experts": 2,
        "moe_intermediate_size": 8, "mlp_only_layers": [0, "1"]})";
    EXPECT_EQ(error(t), file + "'mlp_only_layers' is not a list of integers (at byte " +
                            std::to_string(t.find(R"("1")")) + ")");
    t = R"({"hidden_size": 64, "num_hidden_layers": 2, "vocab_size": 0, "num_attention_heads": 4})";
    EXPECT_EQ(error(t), file + "'vocab_size' is missing or not positive (at byte " +
                            std::to_string(t.find("0,")) + ")");
    t = R"({"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
            "text_config": {"vocab_size": 5}})";
    EXPECT_EQ(error(t), file + "'vocab_size' is missing or not positive");
}

// "A 70B model's raw INT4 weights = 32.6 GiB": 70e9 x 0.5 B / 2^30 = 32.596 GiB, codes
// only, every weight quantized. The real Llama-3.1-70B (70.55e9) gives 32.85 GiB of
// codes with every matrix (embeddings and lm_head too) in int4; scales add 1/32.
TEST(FitParams, SeventyBillionInt4Codes) {
    ModelShape flat;
    flat.tensors.push_back({"w", TensorRole::Linear, 15625000, 4480, 1, 0, std::nullopt});
    WeightPolicy int4;
    int4.format = WeightFormat::Int4G128;
    const auto w = weightBytes(flat, int4);
    EXPECT_NEAR(double(w.codes) / double(1ull << 30), 32.596, 0.0005);
    EXPECT_EQ(w.metadata, w.codes / 32); // fp16 per 128 values of 4 bits

    QL_REQUIRE_DATA();
    const auto llama = configShape("meta-llama--Meta-Llama-3.1-70B_config.json");
    int4.quantizeEmbedding = int4.quantizeOutput = true;
    const auto real = weightBytes(llama, int4);
    EXPECT_NEAR(double(real.codes) / double(1ull << 30), 32.85, 0.005);
    EXPECT_EQ(real.parameters, llama.parameters());
}

TEST(FitParams, UnquantizedTensorsStayInBf16) {
    QL_REQUIRE_DATA();
    const auto llama = configShape("meta-llama--Meta-Llama-3.1-8B_config.json");
    WeightPolicy q4k;
    q4k.format = WeightFormat::Q4_K;
    const auto w = weightBytes(llama, q4k);
    // embed_tokens and lm_head in bf16 (2 x 128256 x 4096 x 2 B); norms f32 (ggml).
    EXPECT_EQ(w.unquantized, 2ull * 128256 * 4096 * 2 + (32 * 2 * 4096 + 4096) * 4);
    EXPECT_EQ(w.codes + w.metadata, uint64_t(w.quantizedParameters) / 256 * 144);
}

// reference/llama31_8b_quant_sizes_speed.csv (llama.cpp tools/quantize/README.md):
// Llama-3.1-8B Q8_0 = 8.5008 bpw, 7.95 GiB; F16 = 14.96 GiB. Q8_0 quantizes every
// matrix, embeddings and output included; norms stay f32.
TEST(FitParams, Llama31_8BGgufSizesMatchLlamaCppsTable) {
    QL_REQUIRE_DATA();
    const auto llama = configShape("meta-llama--Meta-Llama-3.1-8B_config.json");
    const auto rows =
        test::readCsv(ql::test::dataDir() / "reference" / "llama31_8b_quant_sizes_speed.csv");
    for (const auto& [name, format] :
         {std::pair{"Q8_0", WeightFormat::Q8_0}, std::pair{"F16", WeightFormat::F16}}) {
        SCOPED_TRACE(name);
        const auto row = std::find_if(rows.begin(), rows.end(),
                                      [&](const auto& r) { return r.at("quant_type") == name; });
        ASSERT_NE(row, rows.end());
        WeightPolicy p;
        p.format = format;
        p.quantizeEmbedding = p.quantizeOutput = true;
        const auto w = weightBytes(llama, p);
        EXPECT_EQ(round2(double(w.total()) / double(1ull << 30)), std::stod(row->at("size_gib")));
        if (format == WeightFormat::Q8_0) {
            EXPECT_NEAR(w.bitsPerWeight(), std::stod(row->at("bits_per_weight")), 0.00005);
        }
    }
}

} // namespace
} // namespace ql::fit
