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
    // Every line of llama-perplexity's summary, in its order, so that scripts written for
    // its output read ours.
    size_t at = 0;
    for (const char* label : {"Mean PPL(Q)                   :",
                              "Mean PPL(base)                :",
                              "Cor(ln(PPL(Q)), ln(PPL(base))):",
                              "Mean ln(PPL(Q)/PPL(base))     :",
                              "Mean PPL(Q)/PPL(base)         :",
                              "Mean PPL(Q)-PPL(base)         :",
                              "Mean    KLD:",
                              "Maximum KLD:",
                              "99.9%   KLD:",
                              "99.0%   KLD:",
                              "95.0%   KLD:",
                              "90.0%   KLD:",
                              "Median  KLD:",
                              "10.0%   KLD:",
                              " 5.0%   KLD:",
                              " 1.0%   KLD:",
                              " 0.1%   KLD:",
                              "Minimum KLD:",
                              "Mean    Δp:",
                              "Maximum Δp:",
                              "99.9%   Δp:",
                              "99.0%   Δp:",
                              "95.0%   Δp:",
                              "90.0%   Δp:",
                              "75.0%   Δp:",
                              "Median  Δp:",
                              "25.0%   Δp:",
                              "10.0%   Δp:",
                              " 5.0%   Δp:",
                              " 1.0%   Δp:",
                              " 0.1%   Δp:",
                              "Minimum Δp:",
                              "RMS Δp    :",
                              "Same top p:"}) {
        const size_t found = r.out.find(std::string("\n") + label, at);
        ASSERT_NE(found, std::string::npos) << "'" << label << "' missing or out of order in\n"
                                            << r.out;
        at = found + 1;
    }

    const Result j =
        runCli("perplexity " + quoted(q8) + " -f " + textA() +
               " -c 128 --chunks 6 --json --kl-divergence-base " + quoted(ql::test::stories260K()));
    ASSERT_EQ(j.exitCode, 0) << j.err;
    const auto kl = nlohmann::json::parse(j.out)["kl_divergence"];
    EXPECT_GT(kl["mean_kld"].get<double>(), 0.0);
    EXPECT_LT(kl["mean_kld"].get<double>(), 0.01);
    EXPECT_GT(kl["same_top_p"].get<double>(), 0.9);
    for (const char* block : {"kld", "delta_p"}) {
        double previous = -1e300;
        for (const char* level : {"min", "p001", "p01", "p05", "p10", "p25", "median", "p75", "p90",
                                  "p95", "p99", "p999", "max"}) {
            const double v = kl[block][level].get<double>();
            EXPECT_GE(v, previous) << block << " " << level;
            previous = v;
        }
    }
    // The ratio and difference are those of the two printed perplexities.
    const double ppl = kl["ppl"], base = kl["ppl_base_from_cache"];
    EXPECT_NEAR(kl["ppl_ratio"].get<double>(), ppl / base, 1e-12 * ppl / base);
    EXPECT_NEAR(kl["ppl_difference"].get<double>(), ppl - base, 1e-12 * ppl);
    EXPECT_GT(kl["nll_correlation"].get<double>(), 0.9);
    EXPECT_LE(kl["nll_correlation"].get<double>(), 1.0);
}

TEST(PerplexityCli, MissingTextFileIsAnError) {
    QL_REQUIRE_DATA();
    const Result r = runCli("perplexity " + quoted(ql::test::stories260K()) +
                            " -f /nonexistent/text.txt -c 128");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.err.find("text.txt"), std::string::npos) << r.err;
}

} // namespace
