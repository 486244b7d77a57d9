// Evaluation sets: reading JSONL and separated text (errors with file, line and byte
// offset), content-hash versions in the workspace, and the windows an example is cut into.
#include "engine/core/error.h"
#include "engine/eval/eval_set_import.h"
#include "engine/eval/example_windows.h"
#include "engine/store/evalset_store.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <gtest/gtest.h>

namespace {

std::string errorOf(const std::string& content) {
    try {
        ql::parseJsonlExamples(content, "set.jsonl");
    } catch (const ql::Error& e) {
        return e.what();
    }
    return "no error";
}

TEST(EvalSets, JsonlReadsIdsSlicesAndDimensions) {
    const auto ex = ql::parseJsonlExamples(
        "{\"id\": \"a\", \"text\": \"One day\", \"slice\": \"short\"}\n"
        "\n"
        "{\"id\": 7, \"text\": \"Tom ran\", \"slice\": [\"short\", \"dialogue\"], "
        "\"dimension\": \"fluency\"}\n"
        "{\"text\": \"no id\"}\n",
        "set.jsonl");
    ASSERT_EQ(ex.size(), 3u);
    EXPECT_EQ(ex[0].id, "a");
    EXPECT_EQ(ex[0].slices, std::vector<std::string>{"short"});
    EXPECT_EQ(ex[1].id, "7");
    EXPECT_EQ(ex[1].slices, (std::vector<std::string>{"short", "dialogue"}));
    EXPECT_EQ(ex[1].dimension, "fluency");
    EXPECT_EQ(ex[2].id, "line-4");
    EXPECT_TRUE(ex[2].slices.empty());
}

TEST(EvalSets, JsonlErrorsNameFileLineAndByteOffset) {
    // Line 2 starts at byte 25 (0-based); its bad character is its 13th, at byte 37.
    const std::string line1 = "{\"id\":\"a\",\"text\":\"fine\"}\n";
    ASSERT_EQ(line1.size(), 25u);
    EXPECT_NE(errorOf(line1 + "{\"id\":\"b\",  :\"x\"}\n").find("set.jsonl:2 (byte 37): bad JSON"),
              std::string::npos)
        << errorOf(line1 + "{\"id\":\"b\",  :\"x\"}\n");
    EXPECT_NE(errorOf(line1 + "{\"id\":\"b\"}\n").find("set.jsonl:2 (byte 25): missing text"),
              std::string::npos);
    EXPECT_NE(errorOf(line1 + line1).find("set.jsonl:2 (byte 25): duplicate id 'a'"),
              std::string::npos);
    EXPECT_NE(errorOf("{\"text\":\"t\",\"slice\":[\"x\",\"x\"]}").find("listed twice"),
              std::string::npos);
    EXPECT_NE(errorOf("{\"text\":\"t\",\"slice\":\"all\"}").find("reserved"), std::string::npos);
    EXPECT_NE(errorOf("\n\n").find("no examples"), std::string::npos);
}

TEST(EvalSets, SeparatedTextSplitsOnWholeSeparatorLines) {
    const auto ex = ql::splitSeparatedExamples(
        "First story.\nSecond line.\n<|endoftext|>\nNot a <|endoftext|> line\n<|endoftext|>\n\n",
        "<|endoftext|>");
    ASSERT_EQ(ex.size(), 2u);
    EXPECT_EQ(ex[0].text, "First story.\nSecond line.");
    EXPECT_EQ(ex[0].id, "1");
    EXPECT_EQ(ex[1].text, "Not a <|endoftext|> line");
}

TEST(EvalSets, TinyStoriesFileHasFiveHundredStories) {
    QL_REQUIRE_DATA();
    const auto ex = ql::readSeparatedExamples(
        ql::test::dataDir() / "text" / "tinystories_valid_501-1000.txt", "<|endoftext|>");
    ASSERT_EQ(ex.size(), 500u); // 499 separator lines (golden/NOTES.md)
    EXPECT_EQ(ex.front().text.rfind("It was Sunday morning", 0), 0u);
    EXPECT_EQ(ex.back().text.back(), '.');
}

TEST(EvalSets, ContentHashVersionsInTheWorkspace) {
    ql::test::TempDir dir;
    ql::Workspace ws(dir / "ws.quantlens");
    std::vector<ql::EvalExample> ex{{"a", "One day", {"s"}, ""}, {"b", "Tom ran", {}, ""}};
    ql::EvalSettings settings;
    settings.nCtx = 128;
    const auto v1 = ql::importEvalSet(ws, "stories", ex, settings, "x.jsonl", "h");
    EXPECT_TRUE(v1.created);
    EXPECT_EQ(v1.version.version, 1);
    const auto again = ql::importEvalSet(ws, "stories", ex, settings, "x.jsonl", "h");
    EXPECT_FALSE(again.created);
    EXPECT_EQ(again.version.id, v1.version.id);

    ex[1].text = "Tom ran home";
    const auto v2 = ql::importEvalSet(ws, "stories", ex, settings, "x.jsonl", "h2");
    EXPECT_TRUE(v2.created);
    EXPECT_EQ(v2.version.version, 2);
    settings.nCtx = 256; // same examples, other evaluator settings: another version
    const auto v3 = ql::importEvalSet(ws, "stories", ex, settings, "x.jsonl", "h2");
    EXPECT_EQ(v3.version.version, 3);
    EXPECT_NE(v3.version.contentHash, v2.version.contentHash);
    EXPECT_EQ(v3.version.examplesHash, v2.version.examplesHash);

    EXPECT_EQ(ql::findEvalSetVersion(ws, "stories").version, 3);
    EXPECT_EQ(ql::findEvalSetVersion(ws, "stories@v1").id, v1.version.id);
    EXPECT_EQ(ql::findEvalSetVersion(ws, "stories@2").settings.nCtx, 128);
    EXPECT_THROW(ql::findEvalSetVersion(ws, "stories@9"), ql::Error);
    EXPECT_THROW(ql::findEvalSetVersion(ws, "other"), ql::Error);
    const auto stored = ql::evalSetExamples(ws, v1.version.id);
    ASSERT_EQ(stored.size(), 2u);
    EXPECT_EQ(stored[1].text, "Tom ran");
    EXPECT_EQ(stored[0].slices, std::vector<std::string>{"s"});
    EXPECT_EQ(ql::evalSetVersions(ws).size(), 3u);
}

TEST(EvalSets, TextWithNulBytesRoundTrips) {
    ql::test::TempDir dir;
    ql::Workspace ws(dir / "ws.quantlens");
    const std::string text("a\0b\xff", 4);
    const auto v = ql::importEvalSet(ws, "bytes", {{"x", text, {}, ""}}, {}, "f", "h");
    EXPECT_EQ(ql::evalSetExamples(ws, v.version.id)[0].text, text);
}

TEST(EvalSets, DocumentWindowsScoreShortExamplesWhole) {
    ql::EvalSettings s;
    s.nCtx = 128;
    const auto one = ql::planExampleWindows(10, s);
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0].first, 0);
    EXPECT_EQ(one[0].scored(), 9);
    // 300 tokens: [0,128) all scored, [128,256) second half, the 44-token tail reaches
    // no further than n_ctx/2 and scores nothing.
    const auto three = ql::planExampleWindows(300, s);
    ASSERT_EQ(three.size(), 2u);
    EXPECT_EQ(three[0].scored(), 127);
    EXPECT_EQ(three[1].begin, 128);
    EXPECT_EQ(three[1].scored(), 63);
    const auto tail = ql::planExampleWindows(128 + 100, s);
    ASSERT_EQ(tail.size(), 2u);
    EXPECT_EQ(tail[1].length, 100);
    EXPECT_EQ(tail[1].scored(), 100 - 1 - 64);
}

TEST(EvalSets, LlamaPerplexityWindowsAreItsChunks) {
    ql::EvalSettings s;
    s.nCtx = 128;
    s.scoring = ql::ExampleScoring::LlamaPerplexity;
    EXPECT_TRUE(ql::planExampleWindows(100, s).empty());
    const auto w = ql::planExampleWindows(300, s);
    ASSERT_EQ(w.size(), 2u);
    for (const auto& x : w) {
        EXPECT_EQ(x.length, 128);
        EXPECT_EQ(x.first, 64);
        EXPECT_EQ(x.scored(), 63);
    }
}

} // namespace
