// The tokenizer against llama-tokenize's own output (golden/tokenizer.json) and the
// token counts llama-perplexity reports for the two evaluation texts.
#include "engine/eval/text_file.h"
#include "engine/eval/tokenizer.h"
#include "engine/model/gguf_writer.h"
#include "engine/model/model.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

ql::Tokenizer storiesTokenizer() {
    const auto model = ql::Model::open(ql::test::stories260K());
    return ql::Tokenizer::fromMetadata(model->metadata());
}

TEST(EvalTokenizer, MatchesLlamaTokenizeForEveryCaseAndMode) {
    QL_REQUIRE_DATA();
    const ql::Tokenizer tok = storiesTokenizer();
    std::ifstream in(ql::test::dataDir() / "golden" / "tokenizer.json");
    ASSERT_TRUE(in) << "golden/tokenizer.json missing";
    const auto golden = nlohmann::json::parse(in);
    int checked = 0;
    for (const auto& c : golden.at("cases")) {
        const std::string input = c.at("input_utf8");
        for (const auto& [mode, result] : c.at("results").items()) {
            ql::TokenizeOptions options;
            options.addBos = mode != "no_bos";
            options.parseSpecial = mode != "as_perplexity";
            const auto expected = result.at("ids").get<std::vector<ql::TokenId>>();
            EXPECT_EQ(tok.tokenize(input, options), expected)
                << "case " << c.at("name").get<std::string>() << ", mode " << mode;
            ++checked;
        }
    }
    EXPECT_EQ(checked, 27);
}

TEST(EvalTokenizer, PiecesRoundTripText) {
    QL_REQUIRE_DATA();
    const ql::Tokenizer tok = storiesTokenizer();
    const std::string text = "Once upon a time, \xC3\xA9migr\xC3\xA9\n<|endoftext|>";
    std::string decoded;
    for (ql::TokenId id : tok.tokenize(text, {.addBos = false}))
        decoded += tok.piece(id);
    EXPECT_EQ(decoded, " " + text);
}

ql::MetaValue array(ql::GgufType type, std::vector<ql::MetaValue> items) {
    return ql::MetaValue::ofArray(type, std::move(items));
}

// Found by tests/fuzz/fuzz_gguf (43 000 runs from the stories260K seeds): a token the file
// marks as a byte token (type 6) whose text is not "<0xNN>" made piece() throw
// std::invalid_argument from std::stoi. Such a piece is now its text, as for any other token.
TEST(EvalTokenizer, ByteTokenWhoseTextIsNotHexIsItsText) {
    using ql::GgufType;
    using ql::MetaValue;
    ql::GgufWriter w;
    w.setString("tokenizer.ggml.model", "llama");
    w.set("tokenizer.ggml.tokens",
          array(GgufType::String, {MetaValue::ofString("<0xZZ>"), MetaValue::ofString("<0x41>"),
                                   MetaValue::ofString("<0x4>>"), MetaValue::ofString("a")}));
    w.set("tokenizer.ggml.scores", array(GgufType::Float32, {}));
    w.set("tokenizer.ggml.token_type",
          array(GgufType::Int32,
                {MetaValue::ofInt(GgufType::Int32, 6), MetaValue::ofInt(GgufType::Int32, 6),
                 MetaValue::ofInt(GgufType::Int32, 6), MetaValue::ofInt(GgufType::Int32, 1)}));
    ql::test::TempDir dir;
    w.write(dir / "vocab.gguf");
    const auto tok = ql::Tokenizer::fromMetadata(ql::Model::open(dir / "vocab.gguf")->metadata());
    EXPECT_EQ(tok.piece(0), "<0xZZ>");
    EXPECT_EQ(tok.piece(1), "A");
    EXPECT_EQ(tok.piece(2), "<0x4>>");
    EXPECT_EQ(tok.piece(3), "a");
}

TEST(EvalTokenizer, WholeTextsGiveLlamaPerplexityTokenCounts) {
    QL_REQUIRE_DATA();
    const ql::Tokenizer tok = storiesTokenizer();
    const auto dir = ql::test::dataDir() / "text";
    EXPECT_EQ(tok.tokenize(ql::readEvalText(dir / "tinystories_valid_1-500.txt")).size(), 203969u);
    EXPECT_EQ(tok.tokenize(ql::readEvalText(dir / "tinystories_valid_501-1000.txt")).size(),
              199487u);
}

} // namespace
