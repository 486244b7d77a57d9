// quantlens-cli evalset / eval / calibrate as a user runs them on stories260K: a JSONL set
// the test writes, workspace variants scored against their source model with the
// baseline cached, and a separated-text set whose aggregate agrees with `perplexity`.
#include "tests/common/cli_runner.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>

namespace {

using ql::test::runCli;
using ql::test::shellQuote;

std::filesystem::path writeJsonl(const ql::test::TempDir& dir) {
    const auto path = dir / "mini.jsonl";
    std::ofstream(path)
        << R"({"id": "a", "text": "Once upon a time, there was a little girl named Lily. She loved to play.", "slice": "short"}
{"id": "b", "text": "Tom and Sam went to the park. They played with a red ball all day long.", "slice": ["short", "play"]}
{"id": "c", "text": "The sun was hot. Lily wanted to swim in the pond with her mom and dad.", "slice": "play", "dimension": "story"}
)";
    return path;
}

// The first `count` stories of text B, separated as in the file.
std::string firstStories(int count) {
    std::ifstream in(ql::test::dataDir() / "text" / "tinystories_valid_501-1000.txt");
    std::stringstream all;
    all << in.rdbuf();
    const std::string text = all.str();
    size_t at = 0;
    for (int i = 0; i < count; ++i)
        at = text.find("\n<|endoftext|>\n", at) + 1;
    return text.substr(0, at - 1) + "\n";
}

nlohmann::json json(const ql::test::CliResult& r) {
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return nlohmann::json::parse(r.out);
}

TEST(EvalSetsCli, ImportListAndVersions) {
    ql::test::TempDir dir;
    const auto ws = shellQuote(dir / "ws.quantlens");
    const auto set = writeJsonl(dir);
    const auto first =
        json(runCli("evalset import --json --workspace " + ws + " " + shellQuote(set) + " -c 64"));
    EXPECT_EQ(first["name"], "mini");
    EXPECT_EQ(first["version"], 1);
    EXPECT_EQ(first["examples"], 3);
    EXPECT_TRUE(first["created"].get<bool>());
    const auto again =
        json(runCli("evalset import --json --workspace " + ws + " " + shellQuote(set) + " -c 64"));
    EXPECT_FALSE(again["created"].get<bool>());
    EXPECT_EQ(again["version"], 1);
    std::ofstream(set, std::ios::app) << R"({"id": "d", "text": "A new story."})"
                                      << "\n";
    const auto edited =
        json(runCli("evalset import --json --workspace " + ws + " " + shellQuote(set) + " -c 64"));
    EXPECT_EQ(edited["version"], 2);
    EXPECT_NE(edited["content_hash"], first["content_hash"]);
    const auto list = json(runCli("evalset list --json --workspace " + ws));
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[1]["label"], edited["label"]);
}

TEST(EvalSetsCli, BadJsonlNamesFileLineAndByte) {
    ql::test::TempDir dir;
    const auto set = dir / "bad.jsonl";
    std::ofstream(set)
        << "{\"id\": \"a\", \"text\": \"ok\"}\n{\"id\": \"a\", \"text\": \"again\"}\n";
    const auto r = runCli("evalset import --workspace " + shellQuote(dir / "ws.quantlens") + " " +
                          shellQuote(set));
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.err.find("bad.jsonl:2 (byte 26): duplicate id 'a'"), std::string::npos) << r.err;
    const auto list = runCli("evalset list --workspace " + shellQuote(dir / "ws.quantlens"));
    EXPECT_NE(list.out.find("no evaluation sets"), std::string::npos) << list.out;
}

TEST(EvalSetsCli, VariantsScoredAgainstACachedBaseline) {
    QL_REQUIRE_DATA();
    ql::test::TempDir dir;
    const auto ws = shellQuote(dir / "ws.quantlens");
    const auto model = shellQuote(ql::test::stories260K());
    json(runCli("evalset import --json --workspace " + ws + " " + shellQuote(writeJsonl(dir)) +
                " -c 64"));
    for (const char* format : {"int8", "int4-g128"})
        ASSERT_EQ(
            runCli("quantize " + model + " --device cpu --format " + format + " --workspace " + ws)
                .exitCode,
            0);
    const auto int8 =
        json(runCli("eval --json --workspace " + ws + " --set mini --variant int8 -t 2"));
    EXPECT_EQ(int8["base_variant"], "stories260K");
    EXPECT_FALSE(int8["baseline_from_cache"].get<bool>());
    EXPECT_EQ(int8["baseline_windows_evaluated"], 3);
    const auto int4 =
        json(runCli("eval --json --workspace " + ws + " --set mini@v1 --variant int4-g128 -t 2"));
    EXPECT_TRUE(int4["baseline_from_cache"].get<bool>());
    EXPECT_EQ(int4["baseline_windows_evaluated"], 0);
    EXPECT_EQ(int4["scorecard_id"], int8["scorecard_id"]);
    const auto all8 = int8["summaries"][0], all4 = int4["summaries"][0];
    EXPECT_EQ(all8["slice"], "all");
    EXPECT_EQ(all8["examples"], 3);
    EXPECT_LT(all8["mean_kld"].get<double>(), all4["mean_kld"].get<double>());
    EXPECT_GE(all8["kld"]["max"].get<double>(), all8["kld"]["p99"].get<double>());
    EXPECT_GT(all8["same_top_p"].get<double>(), all4["same_top_p"].get<double>() - 1e-12);
    const auto card = runCli("scorecard --workspace " + ws);
    EXPECT_EQ(card.exitCode, 0) << card.err;
    EXPECT_NE(card.out.find("int4-g128#2"), std::string::npos) << card.out;

    // perplexity takes a workspace variant as its model too.
    const auto ppl =
        json(runCli("perplexity int8 --workspace " + ws + " -f " +
                    shellQuote(ql::test::dataDir() / "text" / "tinystories_valid_1-500.txt") +
                    " -c 128 --chunks 2 -t 2 --json --kl-divergence-base " + model));
    EXPECT_GT(ppl["kl_divergence"]["mean_kld"].get<double>(), 0.0);

    const auto cal =
        json(runCli("calibrate --json --workspace " + ws + " --variant int8 -f " +
                    shellQuote(ql::test::dataDir() / "text" / "tinystories_valid_1-500.txt") +
                    " -c 128 --chunks 2 -t 2"));
    EXPECT_TRUE(cal["stored"].get<bool>());
    EXPECT_EQ(cal["layers"].size(), 36u);
    EXPECT_GT(cal["layers"][0]["rel_output_error"].get<double>(), 0.0);
}

// One example holding a whole text, scored as llama-perplexity scores: the set's aggregate
// is `perplexity`'s figure exactly. Split on the separator, the same stories score lower
// perplexity: the separator lines, which stories260K never saw, are no longer predicted.
TEST(EvalSetsCli, SeparatedTextAgreesWithPerplexity) {
    QL_REQUIRE_DATA();
    ql::test::TempDir dir;
    const auto ws = shellQuote(dir / "ws.quantlens");
    const auto text = dir / "stories.txt";
    std::ofstream(text) << firstStories(6);
    const auto model = shellQuote(ql::test::stories260K());
    const auto ppl =
        json(runCli("perplexity " + model + " -f " + shellQuote(text) + " -c 128 --json -t 2"));
    json(runCli("evalset import --workspace " + ws + " " + shellQuote(text) +
                " --name whole --separator NO-SUCH-LINE -c 128 --scoring llama-perplexity --json"));
    const auto whole =
        json(runCli("eval --json --workspace " + ws + " --set whole --variant " + model + " -t 2"));
    const auto all = whole["summaries"][0];
    EXPECT_EQ(all["tokens"], ppl["n_tokens_scored"]);
    EXPECT_NEAR(all["ppl"].get<double>(), ppl["ppl"].get<double>(),
                1e-9 * ppl["ppl"].get<double>());

    const auto imported = json(runCli("evalset import --workspace " + ws + " " + shellQuote(text) +
                                      " --name stories --separator '<|endoftext|>' -c 128 --json"));
    EXPECT_EQ(imported["examples"], 6);
    const auto split = json(
        runCli("eval --json --workspace " + ws + " --set stories --variant " + model + " -t 2"));
    EXPECT_EQ(split["examples_scored"], 6);
    EXPECT_LT(split["summaries"][0]["ppl"].get<double>(), ppl["ppl"].get<double>());
}

} // namespace
