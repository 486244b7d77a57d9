// quantlens-cli evalset import --baseline-top-k: the baseline encoding is part of the set
// version, shown by list, and a bad k is refused with nothing stored.
#include "tests/common/cli_runner.h"
#include "tests/common/temp_dir.h"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using ql::test::runCli;
using ql::test::shellQuote;

nlohmann::json json(const ql::test::CliResult& r) {
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return nlohmann::json::parse(r.out);
}

TEST(EvalSetsTopKCli, TopKIsAVersionSetting) {
    ql::test::TempDir dir;
    const auto ws = shellQuote(dir / "ws.quantlens");
    const auto set = dir / "mini.jsonl";
    std::ofstream(set) << R"({"id": "a", "text": "Once upon a time."}
{"id": "b", "text": "Tom ran to the park."}
)";
    const auto full =
        json(runCli("evalset import --json --workspace " + ws + " " + shellQuote(set) + " -c 64"));
    EXPECT_EQ(full["baseline_top_k"], 0);
    EXPECT_FALSE(full["settings"].contains("baseline_top_k"));
    const auto top = json(runCli("evalset import --json --workspace " + ws + " " + shellQuote(set) +
                                 " -c 64 --baseline-top-k 32"));
    EXPECT_EQ(top["version"], 2);
    EXPECT_EQ(top["baseline_top_k"], 32);
    EXPECT_EQ(top["settings"]["baseline_top_k"], 32);
    EXPECT_NE(top["content_hash"], full["content_hash"]);

    const auto list = runCli("evalset list --workspace " + ws);
    EXPECT_EQ(list.exitCode, 0) << list.err;
    EXPECT_NE(list.out.find("mini@v1  2 examples  n_ctx 64  document  full log-prob baseline"),
              std::string::npos)
        << list.out;
    EXPECT_NE(list.out.find("mini@v2  2 examples  n_ctx 64  document  top-32 baseline"),
              std::string::npos)
        << list.out;

    const auto bad = runCli("evalset import --workspace " + ws + " " + shellQuote(set) +
                            " -c 64 --baseline-top-k -3");
    EXPECT_EQ(bad.exitCode, 1);
    EXPECT_NE(bad.err.find("baseline_top_k -3"), std::string::npos) << bad.err;
    EXPECT_EQ(json(runCli("evalset list --json --workspace " + ws)).size(), 2u);
}

} // namespace
