// The built-in evaluator feeds the same scorecards and gates as imported results:
// perplexity --workspace stores per-chunk results; gate judges them.
#include "tests/common/cli_runner.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using ql::test::runCli;
using ql::test::shellQuote;

std::string scoreVariant(const std::string& quant, const std::filesystem::path& ws) {
    const auto data = ql::test::dataDir();
    return "perplexity " + shellQuote(data / "golden" / ("stories260K-" + quant + ".gguf")) +
           " -f " + shellQuote(data / "text" / "tinystories_valid_501-1000.txt") +
           " -c 128 --chunks 12 --kl-divergence-base " + shellQuote(ql::test::stories260K()) +
           " --workspace " + shellQuote(ws) + " --variant " + quant + " --base-variant F32";
}

TEST(EvalGateCli, PerplexityResultsAreGatedPerDimension) {
    QL_REQUIRE_DATA();
    ql::test::TempDir dir;
    const auto ws = dir / "ws.quantlens";
    for (const char* quant : {"Q8_0", "Q4_0"}) {
        const auto r = runCli(scoreVariant(quant, ws));
        ASSERT_EQ(r.exitCode, 0) << r.err;
    }
    const auto card = runCli("scorecard --json --workspace " + shellQuote(ws));
    ASSERT_EQ(card.exitCode, 0) << card.err;
    EXPECT_NE(card.out.find("Q4_0"), std::string::npos);
    EXPECT_NE(card.out.find("paired bootstrap"), std::string::npos);

    std::ofstream(dir / "policy.json") << R"({"name": "stories", "lower_is_better": ["nll", "kld"],
              "dimensions": {"nll": {"absolute": 0.01}, "kld": {"absolute": 0.005},
                             "same_top": {"absolute": 0.03}}})";
    const auto gate = runCli("gate --json --workspace " + shellQuote(ws) + " --policy " +
                             shellQuote(dir / "policy.json"));
    EXPECT_EQ(gate.exitCode, 1) << gate.out << gate.err; // Q4_0 fails
    const auto j = nlohmann::json::parse(gate.out);
    const std::string text = j.dump();
    EXPECT_NE(text.find("Q8_0"), std::string::npos);
    // Q8_0 passes all three dimensions; Q4_0's KL divergence alone is 0.1 nats.
    bool q8Pass = false, q4Fail = false;
    ASSERT_TRUE(j.is_array() && !j.empty()) << text;
    for (const auto& v : j[0]["variants"]) {
        if (v["variant"] == "Q8_0")
            q8Pass = v["verdict"] == "pass";
        if (v["variant"] == "Q4_0")
            q4Fail = v["verdict"] == "fail";
    }
    EXPECT_TRUE(q8Pass) << text;
    EXPECT_TRUE(q4Fail) << text;
}

} // namespace
