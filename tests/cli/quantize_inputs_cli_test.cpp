// quantlens-cli quantize on the inputs users bring: a GGUF with no general.architecture,
// safetensors beside a config.json, F16 and BF16 safetensors, a sharded checkpoint, a GGUF
// that already holds a quantized matrix, and stories260K's rows that Q4_K blocks cannot
// hold. Every file is written for real and the real binary runs on it.
#include "engine/model/gguf_writer.h"
#include "engine/model/safetensors_writer.h"
#include "engine/quant/formats.h"
#include "tests/common/cli_runner.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>

namespace {

using nlohmann::json;
using ql::test::CliResult;
using ql::test::runCli;
using ql::test::shellQuote;

// Multiples of 1/64 in [-0.5, 0.5): exact in F16 and BF16, so every storage type holds the
// same weights and must give the same metrics.
std::vector<float> exactWeights(size_t n, size_t seed) {
    std::vector<float> w(n);
    for (size_t i = 0; i < n; ++i)
        w[i] = float(int((i * 37 + seed * 11) % 64) - 32) / 64.0f;
    return w;
}

std::vector<std::byte> f32Bytes(const std::vector<float>& w) {
    std::vector<std::byte> b(w.size() * 4);
    std::memcpy(b.data(), w.data(), b.size());
    return b;
}

json quantizeJson(const std::filesystem::path& model, const std::string& format) {
    const CliResult r =
        runCli("quantize " + shellQuote(model) + " --format " + format + " --device cpu --json");
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return r.exitCode == 0 ? json::parse(r.out) : json::object();
}

std::map<std::string, json> byTensor(const json& result) {
    std::map<std::string, json> out;
    for (const auto& t : result["tensors"])
        out[t["tensor"].get<std::string>()] = t;
    return out;
}

// A tensor's entry: its shape, its storage format and the bytes the format table gives for
// that shape, and every metric.
void expectQuantized(const json& t, int64_t rows, int64_t cols, const std::string& storage) {
    ASSERT_TRUE(t.is_object());
    EXPECT_EQ(t["shape"], json::array({rows, cols})) << t["tensor"];
    EXPECT_EQ(t["storage_format"], storage) << t["tensor"];
    const auto format = ql::quantFormatFromName(storage);
    ASSERT_TRUE(format) << storage;
    EXPECT_EQ(t["bytes"].get<uint64_t>(), ql::quantizedBytes(*format, rows, cols)) << t["tensor"];
    EXPECT_DOUBLE_EQ(t["bits_per_weight"].get<double>(),
                     8.0 * double(ql::quantizedBytes(*format, rows, cols)) / double(rows * cols));
    for (const char* field : {"rmse", "rel_frobenius", "cosine", "max_abs_error"})
        EXPECT_TRUE(t[field].is_number()) << t["tensor"] << " " << field;
    EXPECT_TRUE(t["snr_db"].is_number() || t["snr_db"].is_null()) << t["tensor"];
    EXPECT_TRUE(t["analysis"].is_object()) << t["tensor"];
}

TEST(CliQuantizeInputs, GgufWithoutArchitectureQuantizesEveryMatrix) {
    ql::test::TempDir dir;
    ql::GgufWriter w; // no general.architecture, no hyperparameters, no tokenizer
    w.addTensorF32("blk.0.attn_q.weight", {8, 64}, ql::DType::F32, exactWeights(8 * 64, 1));
    w.addTensorF32("token_embd.weight", {32, 64}, ql::DType::F16, exactWeights(32 * 64, 2));
    w.addTensorF32("output.weight", {32, 64}, ql::DType::BF16, exactWeights(32 * 64, 3));
    w.addTensorF32("output_norm.weight", {64}, ql::DType::F32, exactWeights(64, 4));
    w.write(dir / "bare.gguf");
    const json j = quantizeJson(dir / "bare.gguf", "q8_0");
    ASSERT_EQ(j["tensors"].size(), 3u);
    auto t = byTensor(j);
    expectQuantized(t["blk.0.attn_q.weight"], 8, 64, "q8_0");
    expectQuantized(t["token_embd.weight"], 32, 64, "q8_0");
    expectQuantized(t["output.weight"], 32, 64, "q8_0");
    EXPECT_EQ(t["token_embd.weight"]["source_dtype"], "F16");
    EXPECT_EQ(t["output.weight"]["source_dtype"], "BF16");
    EXPECT_TRUE(j["kept_as_stored"].empty()); // the 1-D norm is not a matrix
    // Q8_0: 34 bytes per 32 weights; the norm stays F32.
    EXPECT_EQ(j["total_bytes"], (8 + 32 + 32) * 2 * 34 + 64 * 4);
    EXPECT_EQ(j["total_weights"], (8 + 32 + 32) * 64 + 64);
}

void writeConfig(const std::filesystem::path& folder) {
    std::ofstream(folder / "config.json")
        << R"({"model_type": "llama", "architectures": ["LlamaForCausalLM"],
              "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 1,
              "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 32,
              "max_position_embeddings": 256})";
}

std::vector<ql::SafetensorsTensor> hfTensors() {
    return {{"model.embed_tokens.weight", "F32", {32, 64}, f32Bytes(exactWeights(32 * 64, 1))},
            {"model.layers.0.self_attn.q_proj.weight",
             "F32",
             {64, 64},
             f32Bytes(exactWeights(64 * 64, 2))},
            {"model.layers.0.mlp.down_proj.weight",
             "F32",
             {64, 128},
             f32Bytes(exactWeights(64 * 128, 3))},
            {"model.norm.weight", "F32", {64}, f32Bytes(exactWeights(64, 4))}};
}

void expectHfVariant(const json& j) {
    ASSERT_EQ(j["tensors"].size(), 3u);
    auto t = byTensor(j);
    expectQuantized(t["model.embed_tokens.weight"], 32, 64, "q4_0");
    expectQuantized(t["model.layers.0.self_attn.q_proj.weight"], 64, 64, "q4_0");
    expectQuantized(t["model.layers.0.mlp.down_proj.weight"], 64, 128, "q4_0");
    EXPECT_TRUE(j["kept_as_stored"].empty());
    // Q4_0: 18 bytes per 32 weights; the norm stays F32.
    EXPECT_EQ(j["total_bytes"], (32 * 64 + 64 * 64 + 64 * 128) / 32 * 18 + 64 * 4);
}

TEST(CliQuantizeInputs, SafetensorsFolderWithConfigJson) {
    ql::test::TempDir dir;
    ql::writeSafetensors(dir / "model.safetensors", hfTensors());
    writeConfig(dir.path());
    const CliResult inspect = runCli("inspect --json " + shellQuote(dir.path()));
    ASSERT_EQ(inspect.exitCode, 0) << inspect.err;
    const json config = json::parse(inspect.out)["config"];
    EXPECT_EQ(config["architecture"], "llama"); // config.json was read
    EXPECT_EQ(config["layers"], 1);
    EXPECT_EQ(config["kv_heads"], 2);
    const json folder = quantizeJson(dir.path(), "q4_0");
    expectHfVariant(folder);
    const json file = quantizeJson(dir / "model.safetensors", "q4_0");
    expectHfVariant(file);
    EXPECT_EQ(folder["tensors"], file["tensors"]);
}

TEST(CliQuantizeInputs, ShardedSafetensorsMatchTheSingleFile) {
    ql::test::TempDir dir;
    std::filesystem::create_directory(dir / "single");
    std::filesystem::create_directory(dir / "sharded");
    ql::writeSafetensors(dir / "single" / "model.safetensors", hfTensors());
    const auto index = ql::writeShardedSafetensors(dir / "sharded", hfTensors(), 2);
    writeConfig(dir / "sharded");
    ASSERT_TRUE(std::filesystem::exists(dir / "sharded" / "model-00002-of-00002.safetensors"));
    const json single = quantizeJson(dir / "single" / "model.safetensors", "q4_0");
    for (const auto& path : {dir / "sharded", index}) {
        const json sharded = quantizeJson(path, "q4_0");
        expectHfVariant(sharded);
        EXPECT_EQ(byTensor(sharded), byTensor(single)) << path;
        EXPECT_EQ(sharded["total_bytes"], single["total_bytes"]);
    }
}

TEST(CliQuantizeInputs, F16AndBf16SafetensorsGiveTheF32Metrics) {
    ql::test::TempDir dir;
    const std::vector<float> w = exactWeights(16 * 256, 5);
    ql::writeSafetensors(dir / "f32.safetensors", {{"w.weight", "F32", {16, 256}, f32Bytes(w)}});
    ql::writeSafetensors(dir / "f16.safetensors",
                         {{"w.weight", "F16", {16, 256}, ql::encodeF32(ql::DType::F16, w)}});
    ql::writeSafetensors(dir / "bf16.safetensors",
                         {{"w.weight", "BF16", {16, 256}, ql::encodeF32(ql::DType::BF16, w)}});
    const json f32 = quantizeJson(dir / "f32.safetensors", "int4-g128")["tensors"][0];
    expectQuantized(f32, 16, 256, "int4-g128");
    EXPECT_GT(f32["rmse"].get<double>(), 0.0);
    for (const auto& [dtype, file] :
         {std::pair{"F16", "f16.safetensors"}, std::pair{"BF16", "bf16.safetensors"}}) {
        const json t = quantizeJson(dir / file, "int4-g128")["tensors"][0];
        expectQuantized(t, 16, 256, "int4-g128");
        EXPECT_EQ(t["source_dtype"], dtype);
        for (const char* field : {"rmse", "max_abs_error", "bytes", "cosine"})
            EXPECT_EQ(t[field], f32[field]) << dtype << " " << field;
    }
}

// A matrix the file already holds as Q8_0 is not quantized again: it is listed with the
// reason in text and --json, and its bytes count as stored.
TEST(CliQuantizeInputs, AlreadyQuantizedGgufMatrixIsKeptAndListed) {
    ql::test::TempDir dir;
    ql::GgufWriter w;
    w.setString("general.architecture", "llama");
    w.addTensorF32("blk.0.attn_q.weight", {8, 64}, ql::DType::F32, exactWeights(8 * 64, 1));
    w.addTensorF32("blk.0.ffn_up.weight", {16, 64}, ql::DType::Q8_0, exactWeights(16 * 64, 2));
    w.write(dir / "mixed.gguf");
    const std::string args = "quantize " + shellQuote(dir / "mixed.gguf") + " --device cpu";
    const CliResult r = runCli(args + " --format q4_0 --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const json j = json::parse(r.out);
    ASSERT_EQ(j["tensors"].size(), 1u);
    expectQuantized(j["tensors"][0], 8, 64, "q4_0");
    ASSERT_EQ(j["kept_as_stored"].size(), 1u);
    EXPECT_EQ(j["kept_as_stored"][0]["tensor"], "blk.0.ffn_up.weight");
    const std::string why = j["kept_as_stored"][0]["reason"];
    EXPECT_EQ(why, "already quantized (Q8_0): llama-quantize refuses to requantize it without "
                   "--allow-requantize, which would compound two roundings");
    EXPECT_EQ(j["total_bytes"], 8 * 2 * 18 + 16 * 2 * 34); // Q4_0 matrix + Q8_0 as stored
    const CliResult text = runCli(args + " --format q4_0");
    ASSERT_EQ(text.exitCode, 0) << text.err;
    EXPECT_NE(text.out.find("\n  blk.0.ffn_up.weight (" + why + ")\n"), std::string::npos)
        << text.out;
    // Asked for Q8_0, the matrix is already in the target's type: llama-quantize copies it.
    const json same = quantizeJson(dir / "mixed.gguf", "q8_0");
    ASSERT_EQ(same["kept_as_stored"].size(), 1u);
    EXPECT_EQ(same["kept_as_stored"][0]["reason"],
              "already Q8_0, the target's storage type: copied as stored, as llama-quantize "
              "copies it");
}

// stories260K's ffn_down rows have 172 weights: neither Q4_K's 256 nor its substitute Q5_0's
// 32 divide them, so llama-quantize stores them as F16; the 64-weight rows of every other
// matrix take Q5_0. Each is reported with its storage format, in text and --json.
TEST(CliQuantizeInputs, Stories260KFallbacksAreReported) {
    QL_REQUIRE_DATA();
    const std::string args =
        "quantize " + shellQuote(ql::test::stories260K()) + " --format q4_k --device cpu";
    const CliResult r = runCli(args + " --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const CliResult text = runCli(args);
    ASSERT_EQ(text.exitCode, 0) << text.err;
    int f16 = 0, fallbacks = 0;
    const json j = json::parse(r.out);
    for (const auto& t : j["tensors"]) {
        const int64_t rows = t["shape"][0], cols = t["shape"][1];
        const std::string expected = cols % 256 == 0 ? "q4_k" : cols % 32 == 0 ? "q5_0" : "f16";
        EXPECT_EQ(expected,
                  ql::quantFormatInfo(ql::fallbackFormat(ql::QuantFormat::Q4_K, cols)).name);
        expectQuantized(t, rows, cols, expected);
        const std::string name = t["tensor"];
        if (cols == 172) {
            ++f16;
            EXPECT_NE(name.find("ffn_down"), std::string::npos) << name;
            EXPECT_EQ(t["bits_per_weight"], 16.0);
        }
        if (expected == "q4_k")
            continue;
        ++fallbacks;
        const auto line = text.out.find("\n" + name + " ");
        ASSERT_NE(line, std::string::npos) << name << "\n" << text.out;
        const std::string row = text.out.substr(line + 1, text.out.find('\n', line + 1) - line - 1);
        EXPECT_TRUE(row.ends_with("  (" + expected + " fallback)")) << row;
    }
    EXPECT_EQ(f16, 5); // one ffn_down per layer
    EXPECT_NE(text.out.find("\n" + std::to_string(fallbacks) +
                            " tensors have rows that are not a whole number of q4_k blocks"),
              std::string::npos)
        << text.out;
}

} // namespace
