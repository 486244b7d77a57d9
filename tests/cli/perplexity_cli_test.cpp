// quantlens-cli perplexity as a user runs it, on a few chunks of stories260K.
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

namespace {

struct Result {
    int exitCode = -1;
    std::string out;
    std::string err;
};

Result runCli(const std::string& args) {
    const char* env = std::getenv("QUANTLENS_CLI");
    ql::test::TempDir dir;
    const auto errFile = dir / "stderr.txt";
    const std::string cmd = "'" + std::string(env ? env : "quantlens-cli") + "' " + args + " 2>'" +
                            errFile.string() + "'";
    Result r;
    FILE* pipe = ::popen(cmd.c_str(), "r");
    std::array<char, 4096> buf{};
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0)
        r.out.append(buf.data(), n);
    const int status = ::pclose(pipe);
    r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream e(errFile);
    r.err.assign(std::istreambuf_iterator<char>(e), {});
    return r;
}

std::string quoted(const std::filesystem::path& p) {
    return "'" + p.string() + "'";
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
