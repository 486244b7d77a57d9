// safetensors written by the test (single file and sharded) read back bit-exact, with
// config.json parsed beside them; and headers that lie, each refused with a ql::Error.
#include "engine/core/half.h"
#include "engine/model/gguf_writer.h"
#include "engine/model/model.h"
#include "engine/model/safetensors_writer.h"
#include "tests/common/temp_dir.h"
#include "tests/engine/model_test_util.h"

#include <bit>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ql {
namespace {

namespace fs = std::filesystem;
using test::expectError;

// Values with awkward bits: subnormals, signed zero, infinities, a NaN payload.
std::vector<uint16_t> halfBits(size_t n, uint32_t seed) {
    std::vector<uint16_t> v(n);
    uint32_t x = seed;
    for (auto& h : v) {
        x = x * 1664525u + 1013904223u;
        h = uint16_t(x >> 16);
    }
    v[0] = 0x8000;
    v[1] = 0x0001;
    v[2] = 0x7c00;
    v[3] = 0x7e01;
    return v;
}

std::vector<std::byte> asBytes(const void* p, size_t n) {
    std::vector<std::byte> out(n);
    std::memcpy(out.data(), p, n);
    return out;
}

std::vector<SafetensorsTensor> llamaTensors() {
    std::vector<float> f32(16);
    for (size_t i = 0; i < f32.size(); ++i)
        f32[i] = 1.0f + float(i) * 1e-7f;
    f32[5] = std::bit_cast<float>(0x00000001u); // a subnormal
    const auto embd = halfBits(64 * 16, 1);
    const auto q = halfBits(16 * 16, 2);
    const auto up = halfBits(24 * 16, 3);
    return {
        {"model.embed_tokens.weight", "BF16", {64, 16}, asBytes(embd.data(), embd.size() * 2)},
        {"model.layers.0.self_attn.q_proj.weight", "F16", {16, 16}, asBytes(q.data(), 512)},
        {"model.layers.0.mlp.up_proj.weight", "BF16", {24, 16}, asBytes(up.data(), 768)},
        {"model.norm.weight", "F32", {16}, asBytes(f32.data(), 64)},
        {"lm_head.weight", "F16", {64, 16}, asBytes(embd.data(), embd.size() * 2)},
        {"scalar", "F32", {}, asBytes(f32.data(), 4)},
    };
}

void writeConfig(const fs::path& folder, nlohmann::json extra = nlohmann::json::object()) {
    nlohmann::json c = {{"architectures", {"LlamaForCausalLM"}},
                        {"model_type", "llama"},
                        {"hidden_size", 16},
                        {"intermediate_size", 24},
                        {"num_hidden_layers", 1},
                        {"num_attention_heads", 4},
                        {"num_key_value_heads", 2},
                        {"max_position_embeddings", 128},
                        {"rms_norm_eps", 1e-6},
                        {"rope_theta", 500000.0},
                        {"vocab_size", 64},
                        {"rope_scaling", {{"factor", 8.0}, {"rope_type", "llama3"}}}};
    c.update(extra);
    const std::string text = c.dump(2);
    test::writeBytes(folder / "config.json", test::bytesOf(text));
}

float expectedValue(const SafetensorsTensor& t, size_t i) {
    uint16_t h;
    if (t.dtype == "F32") {
        float f;
        std::memcpy(&f, t.data.data() + 4 * i, 4);
        return f;
    }
    std::memcpy(&h, t.data.data() + 2 * i, 2);
    return t.dtype == "F16" ? halfToFloat(h) : bf16ToFloat(h);
}

void expectBitExact(const Model& model, const std::vector<SafetensorsTensor>& tensors) {
    ASSERT_EQ(model.tensors().size(), tensors.size());
    for (const auto& want : tensors) {
        const TensorInfo* t = model.findTensor(want.name);
        ASSERT_NE(t, nullptr) << want.name;
        EXPECT_EQ(t->shape, want.shape);
        const auto bytes = model.tensorBytes(*t);
        ASSERT_EQ(bytes.size(), want.data.size());
        EXPECT_EQ(std::memcmp(bytes.data(), want.data.data(), bytes.size()), 0) << want.name;
        const auto values = model.readF32(*t);
        for (size_t i = 0; i < values.size(); ++i)
            ASSERT_EQ(std::bit_cast<uint32_t>(values[i]),
                      std::bit_cast<uint32_t>(expectedValue(want, i)))
                << want.name << "[" << i << "]";
    }
}

void expectLlamaConfig(const ModelConfig& c) {
    EXPECT_EQ(c.architecture, "llama");
    EXPECT_EQ(c.nEmbd, 16);
    EXPECT_EQ(c.nFf, 24);
    EXPECT_EQ(c.nLayer, 1);
    EXPECT_EQ(c.nHead, 4);
    EXPECT_EQ(c.nHeadKv, 2);
    EXPECT_EQ(c.headDim, 4);
    EXPECT_EQ(c.contextLength, 128);
    EXPECT_EQ(c.vocabSize, 64);
    EXPECT_DOUBLE_EQ(c.rmsNormEps, 1e-6);
    EXPECT_DOUBLE_EQ(c.ropeFreqBase, 500000.0);
}

TEST(Safetensors, SingleFileReadsBackBitExact) {
    test::TempDir dir;
    const auto tensors = llamaTensors();
    writeSafetensors(dir / "model.safetensors", tensors, {{"format", "pt"}});
    writeConfig(dir.path());
    for (const fs::path& p : {dir / "model.safetensors", dir.path()}) {
        const auto model = Model::open(p);
        EXPECT_EQ(model->format(), ModelFormat::Safetensors);
        expectBitExact(*model, tensors);
        expectLlamaConfig(model->config());
        EXPECT_EQ(*model->metadata().at("format").asString(), "pt");
        EXPECT_EQ(model->metadata().at("config.hidden_size").asInt(), 16);
        EXPECT_EQ(*model->metadata().at("config.rope_scaling.rope_type").asString(), "llama3");
        EXPECT_EQ(model->parameterCount(), 64 * 16 * 2 + 256 + 384 + 16 + 1);
        EXPECT_EQ(model->fileBytes(), fs::file_size(dir / "model.safetensors"));
    }
}

TEST(Safetensors, ShardedReadsBackBitExact) {
    test::TempDir dir;
    const auto tensors = llamaTensors();
    const auto index = writeShardedSafetensors(dir.path(), tensors, 3);
    writeConfig(dir.path());
    for (const fs::path& p : {index, dir.path()}) {
        const auto model = Model::open(p);
        ASSERT_EQ(model->files().size(), 3u);
        expectBitExact(*model, tensors);
        expectLlamaConfig(model->config());
        EXPECT_EQ(model->findTensor("model.embed_tokens.weight")->shard, 0);
        EXPECT_EQ(model->findTensor("scalar")->shard, 2);
        uint64_t total = 0;
        for (const char* name :
             {"model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
              "model-00003-of-00003.safetensors"})
            total += fs::file_size(dir / name);
        EXPECT_EQ(model->fileBytes(), total);
        EXPECT_TRUE(model->metadata().count("index.total_size"));
    }
}

TEST(Safetensors, ConfigVariants) {
    test::TempDir dir;
    writeSafetensors(dir / "model.safetensors", llamaTensors());
    // head_dim given explicitly (as Qwen3 and Gemma do), vocab only from the embedding.
    nlohmann::json c = {{"architectures", {"Qwen3ForCausalLM"}},
                        {"hidden_size", 16},
                        {"num_attention_heads", 2},
                        {"head_dim", 32}};
    test::writeBytes(dir / "config.json", test::bytesOf(c.dump()));
    auto model = Model::open(dir.path());
    EXPECT_EQ(model->config().architecture, "Qwen3ForCausalLM");
    EXPECT_EQ(model->config().headDim, 32);
    EXPECT_EQ(model->config().nHeadKv, 2); // defaults to the head count
    EXPECT_EQ(model->config().vocabSize, 64);
    fs::remove(dir / "config.json"); // no config at all: still opens
    model = Model::open(dir.path());
    EXPECT_EQ(model->config().nEmbd, 0);
    EXPECT_EQ(model->config().vocabSize, 64);
}

TEST(Safetensors, FormatIsDetectedByContentNotName) {
    test::TempDir dir;
    writeSafetensors(dir / "weights.bin", llamaTensors());
    EXPECT_EQ(Model::open(dir / "weights.bin")->format(), ModelFormat::Safetensors);
    GgufWriter w;
    w.addTensorF32("x", {4}, DType::F32, std::vector<float>(4, 1.0f));
    w.write(dir / "model.safetensors");
    EXPECT_EQ(Model::open(dir / "model.safetensors")->format(), ModelFormat::Gguf);
    test::writeBytes(dir / "notes.txt", test::bytesOf("hello world"));
    expectError([&] { Model::open(dir / "notes.txt"); }, {"notes.txt", "neither"});
    expectError([&] { Model::open(dir / "absent.gguf"); }, {"absent.gguf", "no such file"});
    test::TempDir empty;
    expectError([&] { Model::open(empty.path()); }, {"neither model.safetensors"});
}

// ---- headers that lie --------------------------------------------------------------

std::vector<std::byte> rawFile(const std::string& header, size_t dataBytes) {
    std::vector<std::byte> out(8 + header.size() + dataBytes);
    const uint64_t n = header.size();
    std::memcpy(out.data(), &n, 8);
    std::memcpy(out.data() + 8, header.data(), header.size());
    return out;
}

std::string entry(const std::string& name, const std::string& dtype, const std::string& shape,
                  uint64_t begin, uint64_t end) {
    return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape +
           ",\"data_offsets\":[" + std::to_string(begin) + "," + std::to_string(end) + "]}";
}

class SafetensorsErrors : public ::testing::Test {
protected:
    test::TempDir dir;
    fs::path path = dir / "model.safetensors";

    std::string open(const std::string& header, size_t dataBytes,
                     std::initializer_list<std::string> fragments) {
        test::writeBytes(path, rawFile(header, dataBytes));
        return expectError([&] { Model::open(path); }, fragments);
    }
};

TEST_F(SafetensorsErrors, OffsetsBeyondTheFile) {
    const std::string h =
        "{" + entry("a", "F32", "[4]", 0, 16) + "," + entry("b", "F32", "[8]", 16, 48) + "}";
    open(h, 40,
         {"model.safetensors: tensor 'b' data ends at byte " + groupDigits(8 + h.size() + 48) +
          ", beyond the file's " + groupDigits(8 + h.size() + 40) + " bytes"});
    open("{" + entry("a", "F32", "[0]", 18446744073709551615ull, 18446744073709551615ull) + "}", 0,
         {"tensor 'a' data ends at byte 2^64 or later"});
}

TEST_F(SafetensorsErrors, OverlappingAndReversedOffsets) {
    open("{" + entry("a", "F32", "[4]", 0, 16) + "," + entry("b", "F32", "[4]", 8, 24) + "}", 24,
         {"tensors 'a' and 'b' overlap", "at byte"});
    open("{" + entry("a", "F32", "[0]", 16, 8) + "}", 16,
         {"tensor 'a' data_offsets end 8 lies before its begin 16"});
}

TEST_F(SafetensorsErrors, SizeDisagreesWithShape) {
    open("{" + entry("a", "F16", "[3,4]", 0, 16) + "}", 16,
         {"tensor 'a' holds 16 bytes, but its shape and dtype need 24"});
    open("{" + entry("a", "F32", "[4294967296,4294967296]", 0, 16) + "}", 16,
         {"tensor 'a' byte size overflows 64 bits"});
    open("{" + entry("a", "F32", "[-1]", 0, 16) + "}", 16, {"shape entry -1"});
}

TEST_F(SafetensorsErrors, HeaderLengthBeyondTheFile) {
    auto bytes = rawFile("{}", 0);
    test::poke<uint64_t>(bytes, 0, 1000);
    test::writeBytes(path, bytes);
    expectError(
        [&] { Model::open(path); },
        {"model.safetensors: header length 1 000 runs beyond the file's 10 bytes", "at byte 0"});
    test::writeBytes(path, bytes, 5);
    expectError([&] { Model::open(path); }, {"header length needs 8 bytes"});
}

TEST_F(SafetensorsErrors, InvalidJsonHeader) {
    open("{\"a\": {\"dtype\": \"F32\",, }}", 0,
         {"model.safetensors: the header is not valid JSON (at byte 30)"});
    open("[1, 2]", 0, {"the header is not a JSON object"});
    open("{\"a\": 5}", 0, {"header entry 'a' is not an object"});
    open("{\"a\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", 4, {"tensor 'a' has no dtype"});
}

// A crafted input to tests/fuzz/fuzz_safetensors: 200 000 nested brackets in a header value
// overflowed the stack in nlohmann's dump(), which copies deep metadata values as text.
TEST_F(SafetensorsErrors, DeeplyNestedHeaderIsRefusedWithItsOffset) {
    const std::string prefix = "{\"__metadata__\":{\"a\":";
    const std::string deep = std::string(200000, '[') + std::string(200000, ']');
    // The two braces are levels 1 and 2; the 99th '[' opens level 101.
    open(prefix + deep + "}}", 0,
         {"model.safetensors: the header nests arrays or objects deeper than 100 levels",
          "at byte " + groupDigits(8 + prefix.size() + 98) + ")"});
    open("{" + entry("a", "F32", deep, 0, 4) + "}", 4, {"deeper than 100 levels"});
    // Brackets inside strings (after an escaped quote, too) are text, not nesting.
    const std::string text = "\"\\\"" + std::string(500, '[') + "\"";
    test::writeBytes(path, rawFile(prefix + text + "}}", 0));
    EXPECT_EQ(Model::open(path)->metadata().at("a").toDisplayString(),
              "\"" + std::string(500, '['));
}

TEST_F(SafetensorsErrors, UnsupportedDtypeIsNamed) {
    open("{" + entry("position_ids", "I64", "[2]", 0, 16) + "}", 16,
         {"tensor 'position_ids' has dtype I64, which Quantlens cannot read"});
}

TEST(SafetensorsShards, MissingOrWrongShard) {
    test::TempDir dir;
    const auto index = writeShardedSafetensors(dir.path(), llamaTensors(), 3);
    fs::rename(dir / "model-00002-of-00003.safetensors", dir / "elsewhere.safetensors");
    expectError(
        [&] { Model::open(dir.path()); },
        {"model.safetensors.index.json: shard 'model-00002-of-00003.safetensors'", "is missing"});
    fs::rename(dir / "elsewhere.safetensors", dir / "model-00002-of-00003.safetensors");

    auto json = nlohmann::json::parse(test::readBytes(index));
    json["weight_map"]["scalar"] = "model-00001-of-00003.safetensors";
    test::writeBytes(index, test::bytesOf(json.dump()));
    expectError([&] { Model::open(index); },
                {"weight_map puts tensor 'scalar' in 'model-00001-of-00003.safetensors'"});

    json["weight_map"]["scalar"] = "../model-00003-of-00003.safetensors";
    test::writeBytes(index, test::bytesOf(json.dump()));
    expectError([&] { Model::open(index); }, {"leaves the model's folder"});

    test::writeBytes(index, test::bytesOf("{\"weight_map\": "));
    expectError([&] { Model::open(index); },
                {"model.safetensors.index.json: the file is not valid JSON"});
}

} // namespace
} // namespace ql
