// quantlens-cli as a user runs it: a real process, real files, exit codes and stderr.
#include "tests/common/cli_runner.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>

namespace {

using ql::test::CliResult;
using ql::test::runCli;

std::string quoted(const std::filesystem::path& p) {
    return ql::test::shellQuote(p);
}

TEST(Cli, InspectStories260KAsJson) {
    QL_REQUIRE_DATA();
    const CliResult r = runCli("inspect --json " + quoted(ql::test::stories260K()));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["tensor_count"], 48);
    EXPECT_EQ(j["parameters"], 292800);
    EXPECT_EQ(j["config"]["layers"], 5);
    EXPECT_EQ(j["config"]["heads"], 8);
    EXPECT_EQ(j["config"]["kv_heads"], 4);
    EXPECT_EQ(j["config"]["vocab_size"], 512);
    EXPECT_EQ(j["config"]["feed_forward"], 172);
}

TEST(Cli, QuantizeInt4IntoAWorkspacePrintsEveryTensor) {
    QL_REQUIRE_DATA();
    ql::test::TempDir dir;
    const CliResult r = runCli("quantize " + quoted(ql::test::stories260K()) +
                               " --format int4-g128 --device cpu --json --workspace " +
                               quoted(dir / "ws.quantlens"));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["format"], "int4-g128");
    ASSERT_EQ(j["tensors"].size(), 37u);
    for (const auto& t : j["tensors"]) {
        EXPECT_GT(t["rmse"].get<double>(), 0.0);
        EXPECT_LT(t["rel_frobenius"].get<double>(), 0.5);
        EXPECT_NE(t["backend"].get<std::string>().find("cpu"), std::string::npos);
    }
    EXPECT_TRUE(std::filesystem::exists(dir / "ws.quantlens"));
}

TEST(Cli, TruncatedModelFailsWithFileNameOnStderr) {
    QL_REQUIRE_DATA();
    ql::test::TempDir dir;
    const auto cut = dir / "cut.gguf";
    {
        std::ifstream in(ql::test::stories260K(), std::ios::binary);
        std::vector<char> bytes(5000);
        in.read(bytes.data(), std::streamsize(bytes.size()));
        std::ofstream(cut, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
    }
    const CliResult r = runCli("inspect " + quoted(cut));
    EXPECT_NE(r.exitCode, 0);
    EXPECT_NE(r.err.find("cut.gguf"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty());
}

TEST(Cli, UnknownFormatIsAnError) {
    const CliResult r = runCli("quantize /nonexistent.gguf --format int7");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.err.find("int7"), std::string::npos) << r.err;
}

TEST(Cli, FormatsListsEveryFormatWithItsConvention) {
    const CliResult r = runCli("formats --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    std::map<std::string, nlohmann::json> byName;
    for (const auto& f : j)
        byName[f["name"].get<std::string>()] = f;
    // Bits per weight worked by hand from the block layouts.
    const std::map<std::string, double> expected{{"int4-g128", 4.125}, {"f16", 16.0}, {"q8_0", 8.5},
                                                 {"q4_0", 4.5},        {"q4_1", 5.0}, {"q5_0", 5.5},
                                                 {"q5_1", 6.0},        {"int8", 8.0}};
    for (const auto& [name, bpw] : expected) {
        ASSERT_TRUE(byName.count(name)) << name;
        EXPECT_DOUBLE_EQ(byName[name]["bits_per_weight"].get<double>(), bpw) << name;
    }
    EXPECT_NE(byName["int8"]["convention"].get<std::string>().find("absmax/127"),
              std::string::npos);
}

} // namespace
