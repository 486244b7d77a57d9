// GgufWriter -> Model::open round trips: every metadata type, arrays (nested and empty),
// tensors of every type the writer produces, and alignment.
#include "engine/core/half.h"
#include "engine/model/gguf_writer.h"
#include "engine/model/model.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"
#include "tests/engine/model_test_util.h"

#include <cmath>
#include <gtest/gtest.h>
#include <limits>

namespace ql {
namespace {

MetaValue u(GgufType t, uint64_t v) {
    return MetaValue::ofUint(t, v);
}
MetaValue i(GgufType t, int64_t v) {
    return MetaValue::ofInt(t, v);
}

GgufWriter everyType() {
    GgufWriter w;
    w.set("t.u8", u(GgufType::Uint8, 255));
    w.set("t.i8", i(GgufType::Int8, -128));
    w.set("t.u16", u(GgufType::Uint16, 65535));
    w.set("t.i16", i(GgufType::Int16, -32768));
    w.set("t.u32", u(GgufType::Uint32, 4294967295u));
    w.set("t.i32", i(GgufType::Int32, std::numeric_limits<int32_t>::min()));
    w.set("t.u64", u(GgufType::Uint64, std::numeric_limits<uint64_t>::max()));
    w.set("t.i64", i(GgufType::Int64, std::numeric_limits<int64_t>::min()));
    w.set("t.f32", MetaValue::ofFloat(GgufType::Float32, 0.1f));
    w.set("t.f64", MetaValue::ofFloat(GgufType::Float64, 0.1));
    w.set("t.bool", MetaValue::ofBool(true));
    w.set("t.str", MetaValue::ofString(std::string("h\xc3\xa9llo\0x", 8)));
    w.set("t.empty_str", MetaValue::ofString(""));
    w.set("t.arr_i32",
          MetaValue::ofArray(GgufType::Int32, {i(GgufType::Int32, -1), i(GgufType::Int32, 7)}));
    w.set("t.arr_str", MetaValue::ofArray(GgufType::String,
                                          {MetaValue::ofString("a"), MetaValue::ofString("")}));
    w.set("t.arr_empty", MetaValue::ofArray(GgufType::Float64, {}));
    const auto inner = MetaValue::ofArray(GgufType::Uint8, {u(GgufType::Uint8, 1)});
    const auto mid = MetaValue::ofArray(GgufType::Array, {inner, inner});
    w.set("t.arr_nested", MetaValue::ofArray(GgufType::Array, {mid}));
    return w;
}

TEST(GgufWriter, EveryMetadataTypeRoundTrips) {
    test::TempDir dir;
    GgufWriter w = everyType();
    w.write(dir / "meta.gguf");
    const auto model = Model::open(dir / "meta.gguf");
    const Metadata& m = model->metadata();
    EXPECT_EQ(m.size(), 17u);
    EXPECT_EQ(*m.at("t.u8").asInt(), 255);
    EXPECT_EQ(*m.at("t.i8").asInt(), -128);
    EXPECT_EQ(*m.at("t.u16").asInt(), 65535);
    EXPECT_EQ(*m.at("t.i16").asInt(), -32768);
    EXPECT_EQ(*m.at("t.u32").asInt(), 4294967295);
    EXPECT_EQ(*m.at("t.i32").asInt(), std::numeric_limits<int32_t>::min());
    EXPECT_EQ(std::get<uint64_t>(m.at("t.u64").value), std::numeric_limits<uint64_t>::max());
    EXPECT_FALSE(m.at("t.u64").asInt()); // does not fit int64
    EXPECT_EQ(*m.at("t.i64").asInt(), std::numeric_limits<int64_t>::min());
    EXPECT_EQ(*m.at("t.f32").asDouble(), double(0.1f));
    EXPECT_EQ(*m.at("t.f64").asDouble(), 0.1);
    EXPECT_EQ(std::get<bool>(m.at("t.bool").value), true);
    EXPECT_EQ(*m.at("t.str").asString(), std::string("h\xc3\xa9llo\0x", 8));
    EXPECT_EQ(*m.at("t.empty_str").asString(), "");
    EXPECT_EQ(m.at("t.arr_empty").arrayType, GgufType::Float64);
    EXPECT_TRUE(m.at("t.arr_empty").asArray()->empty());
    const auto& nested = *m.at("t.arr_nested").asArray();
    ASSERT_EQ(nested.size(), 1u);
    ASSERT_EQ(nested[0].asArray()->size(), 2u);
    EXPECT_EQ(*nested[0].asArray()->at(1).asArray()->at(0).asInt(), 1);
    EXPECT_EQ(m.at("t.arr_i32").toDisplayString(), "[-1, 7]");
    EXPECT_EQ(m.at("t.arr_str").toDisplayString(), "[\"a\", \"\"]");
    for (const auto& [k, v] : w.metadata())
        EXPECT_EQ(v, m.at(k)) << k;
    EXPECT_STREQ(ggufTypeName(m.at("t.f64").type), "float64");
}

// Reading and writing again reproduces the file byte for byte (given the same key order).
TEST(GgufWriter, ReadThenWriteGivesTheSameBytes) {
    test::TempDir dir;
    const GgufWriter original = everyType();
    const Metadata byKey(original.metadata().begin(), original.metadata().end());
    GgufWriter sorted;
    for (const auto& [k, v] : byKey)
        sorted.set(k, v);
    sorted.write(dir / "a.gguf");
    const auto model = Model::open(dir / "a.gguf");
    GgufWriter again;
    for (const auto& [k, v] : model->metadata())
        again.set(k, v);
    EXPECT_EQ(again.toBytes(), test::readBytes(dir / "a.gguf"));
}

std::vector<float> ramp(size_t n) {
    std::vector<float> v(n);
    for (size_t k = 0; k < n; ++k)
        v[k] = std::sin(float(k) * 0.37f) * (1.0f + float(k % 7));
    return v;
}

TEST(GgufWriter, TensorsOfEveryWrittenTypeRoundTrip) {
    test::TempDir dir;
    GgufWriter w;
    w.setString("general.architecture", "llama");
    w.setUint32("general.alignment", 64);
    const auto values = ramp(3 * 64);
    w.addTensorF32("f32", {3, 64}, DType::F32, values);
    w.addTensorF32("f16", {3, 64}, DType::F16, values);
    w.addTensorF32("bf16", {3, 64}, DType::BF16, values);
    w.addTensorF32("q8", {3, 64}, DType::Q8_0, values);
    w.addTensorF32("vec", {5}, DType::F32, ramp(5));
    w.addTensorF32("cube", {2, 3, 32}, DType::F16, ramp(2 * 3 * 32));
    w.write(dir / "t.gguf");

    const auto model = Model::open(dir / "t.gguf");
    ASSERT_EQ(model->tensors().size(), 6u);
    for (const auto& t : model->tensors())
        EXPECT_EQ(t.offset % 64, 0u) << t.name;
    EXPECT_EQ(model->readF32(*model->findTensor("f32")), values);
    const auto f16 = model->readF32(*model->findTensor("f16"));
    const auto bf16 = model->readF32(*model->findTensor("bf16"));
    const auto q8 = model->readF32(*model->findTensor("q8"));
    for (size_t k = 0; k < values.size(); ++k) {
        ASSERT_EQ(f16[k], halfToFloat(floatToHalf(values[k])));
        ASSERT_EQ(bf16[k], bf16ToFloat(floatToBf16(values[k])));
        ASSERT_NEAR(q8[k], values[k], 8.0f / 127.0f * 0.5f + 1e-3f);
    }
    EXPECT_EQ(model->findTensor("cube")->shape, (std::vector<int64_t>{2, 3, 32}));
    EXPECT_EQ(model->findTensor("cube")->rows(), 6);
    EXPECT_EQ(model->parameterCount(), 4 * 192 + 5 + 192);
}

// The writer's Q8_0 encoder is ggml's quantize_row_q8_0_ref, byte for byte.
TEST(GgufWriter, Q8_0BytesMatchGgml) {
    QL_REQUIRE_DATA();
    const auto quant = test::dataDir() / "golden" / "quant";
    for (const char* input : {"gauss", "outliers", "edge", "real_attn_q", "real_ffn_gate"}) {
        const auto raw = test::readBytes(quant / (std::string(input) + ".f32"));
        std::vector<float> x(raw.size() / 4);
        std::memcpy(x.data(), raw.data(), raw.size());
        EXPECT_EQ(encodeF32(DType::Q8_0, x),
                  test::readBytes(quant / (std::string(input) + ".Q8_0.bin")))
            << input;
    }
}

} // namespace
} // namespace ql
