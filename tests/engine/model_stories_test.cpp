// The real stories260K model through Model::open: counts, config, layout, values.
#include "engine/core/error.h"
#include "engine/model/model.h"
#include "tests/common/test_data.h"

#include <gtest/gtest.h>

namespace ql {
namespace {

TEST(ModelStories, ConfigAndCounts) {
    QL_REQUIRE_DATA();
    const auto model = Model::open(test::stories260K());
    EXPECT_EQ(model->format(), ModelFormat::Gguf);
    EXPECT_EQ(model->tensors().size(), 48u);
    EXPECT_EQ(model->parameterCount(), 292800);
    const ModelConfig& c = model->config();
    EXPECT_EQ(c.architecture, "llama");
    EXPECT_EQ(c.nLayer, 5);
    EXPECT_EQ(c.nHead, 8);
    EXPECT_EQ(c.nHeadKv, 4);
    EXPECT_EQ(c.headDim, 8);
    EXPECT_EQ(c.nEmbd, 64);
    EXPECT_EQ(c.nFf, 172);
    EXPECT_EQ(c.vocabSize, 512);
    EXPECT_EQ(c.contextLength, 2048);
    EXPECT_NEAR(c.rmsNormEps, 1e-5, 1e-9);
    EXPECT_EQ(model->fileBytes(), std::filesystem::file_size(test::stories260K()));
}

TEST(ModelStories, ShapesAreOutermostFirst) {
    QL_REQUIRE_DATA();
    const auto model = Model::open(test::stories260K());
    const TensorInfo* up = model->findTensor("blk.0.ffn_up.weight");
    ASSERT_NE(up, nullptr);
    EXPECT_EQ(up->shape, (std::vector<int64_t>{172, 64}));
    EXPECT_EQ(up->rows(), 172);
    EXPECT_EQ(up->cols(), 64);
    EXPECT_EQ(up->dtype, DType::F32);
    EXPECT_EQ(up->nbytes, 172u * 64u * 4u);
    EXPECT_EQ(up->offset % 32, 0u);
    const TensorInfo* embd = model->findTensor("token_embd.weight");
    ASSERT_NE(embd, nullptr);
    EXPECT_EQ(embd->shape, (std::vector<int64_t>{512, 64}));
    const TensorInfo* norm = model->findTensor("blk.4.attn_norm.weight");
    ASSERT_NE(norm, nullptr);
    EXPECT_EQ(norm->shape, (std::vector<int64_t>{64}));
    EXPECT_EQ(model->findTensor("no.such.tensor"), nullptr);
}

TEST(ModelStories, MetadataTypesAndTokenizer) {
    QL_REQUIRE_DATA();
    const auto model = Model::open(test::stories260K());
    const Metadata& meta = model->metadata();
    const auto& tokens = meta.at("tokenizer.ggml.tokens");
    EXPECT_EQ(tokens.type, GgufType::Array);
    EXPECT_EQ(tokens.arrayType, GgufType::String);
    ASSERT_NE(tokens.asArray(), nullptr);
    EXPECT_EQ(tokens.asArray()->size(), 512u);
    EXPECT_EQ(*tokens.asArray()->at(1).asString(), "<s>");
    EXPECT_EQ(meta.at("llama.block_count").asInt(), 5);
    EXPECT_EQ(*meta.at("general.architecture").asString(), "llama");
    EXPECT_NE(tokens.toDisplayString(3).find("(512 items)"), std::string::npos);
}

TEST(ModelStories, RowsMatchWholeTensorAndAreZeroCopy) {
    QL_REQUIRE_DATA();
    const auto model = Model::open(test::stories260K());
    const TensorInfo& t = *model->findTensor("blk.2.ffn_gate.weight");
    const auto all = model->readF32(t);
    ASSERT_EQ(all.size(), size_t(172 * 64));
    std::vector<float> some(size_t(3 * 64));
    model->readRowsF32(t, 100, 3, some.data());
    for (size_t i = 0; i < some.size(); ++i)
        ASSERT_EQ(some[i], all[100 * 64 + i]);
    const auto bytes = model->tensorBytes(t);
    EXPECT_EQ(bytes.data(), model->files()[0]->bytes().data() + t.offset);
    EXPECT_THROW(model->readRowsF32(t, 170, 3, some.data()), Error);
}

} // namespace
} // namespace ql
