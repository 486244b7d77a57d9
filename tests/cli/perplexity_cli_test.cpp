// quantlens-cli perplexity as a user runs it, on a few chunks of stories260K.
#include "tests/common/cli_runner.h"
#include "tests/common/test_data.h"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using Result = ql::test::CliResult;
using ql::test::runCli;

std::string quoted(const std::filesystem::path& p) {
    return ql::test::shellQuote(p);
}

std::string textA() {
    return quoted(ql::test::dataDir() / "text" / "tinystories_valid_1-500.txt");
}

TEST(PerplexityCli, FewChunksAsJson) {
    QL_REQUIRE_DATA();
    const Result r = runCli("perplexity " + quoted(ql::test::stories260K()) + " -f " + textA() +
                            " -c 128 --chunks 4 --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["n_tokens"], 203969);
    EXPECT_EQ(j["n_chunks"], 4);
    EXPECT_EQ(j["n_tokens_scored"], 4 * 63);
    EXPECT_GT(j["ppl"].get<double>(), 2.0);
    EXPECT_LT(j["ppl"].get<double>(), 20.0);
    EXPECT_GT(j["ppl_error"].get<double>(), 0.0);
}

TEST(PerplexityCli, KlDivergenceAgainstABaseModel) {
    QL_REQUIRE_DATA();
    const auto q8 = ql::test::dataDir() / "golden" / "stories260K-Q8_0.gguf";
    const Result r =
        runCli("perplexity " + quoted(q8) + " -f " + textA() +
               " -c 128 --chunks 6 --kl-divergence-base " + quoted(ql::test::stories260K()));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.out.find("Final estimate: PPL = "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Mean    KLD:"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("99.0%   KLD:"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("RMS Δp    :"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Same top p:"), std::string::npos) << r.out;

    const Result j =
        runCli("perplexity " + quoted(q8) + " -f " + textA() +
               " -c 128 --chunks 6 --json --kl-divergence-base " + quoted(ql::test::stories260K()));
    ASSERT_EQ(j.exitCode, 0) << j.err;
    const auto kl = nlohmann::json::parse(j.out)["kl_divergence"];
    EXPECT_GT(kl["mean_kld"].get<double>(), 0.0);
    EXPECT_LT(kl["mean_kld"].get<double>(), 0.01);
    EXPECT_GT(kl["same_top_p"].get<double>(), 0.9);
    EXPECT_LE(kl["kld"]["median"].get<double>(), kl["kld"]["p99"].get<double>());
}

TEST(PerplexityCli, MissingTextFileIsAnError) {
    QL_REQUIRE_DATA();
    const Result r = runCli("perplexity " + quoted(ql::test::stories260K()) +
                            " -f /nonexistent/text.txt -c 128");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.err.find("text.txt"), std::string::npos) << r.err;
}

} // namespace
