// import, scorecard, gate and decide as a user runs them: real processes, exit codes.
#include "tests/common/cli_runner.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using CliRun = ql::test::CliResult;
using ql::test::runCli;

std::string q(const std::filesystem::path& p) {
    return "'" + p.string() + "'";
}

void write(const std::filesystem::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
}

// The article's story as per-example CSV: FP16, INT8, AWQ (technical -13/300) and
// GPTQ (technical -17/300), 300 examples on each of four slices.
void writeStory(const std::filesystem::path& p) {
    std::string csv = "variant,slice,example_id,score\n";
    const char* slices[] = {"billing", "account", "technical", "general"};
    struct V {
        const char* name;
        int lostTech, lostOther;
    } variants[] = {{"FP16", 0, 0}, {"INT8", 0, 0}, {"AWQ", 13, 2}, {"GPTQ", 17, 1}};
    for (const auto& v : variants)
        for (const char* s : slices) {
            const int lost = std::string(s) == "technical" ? v.lostTech : v.lostOther;
            for (int i = 0; i < 300; ++i)
                csv += std::string(v.name) + "," + s + "," + s + std::to_string(i) + "," +
                       (i < 240 && i >= lost ? "1" : "0") + "\n";
        }
    write(p, csv);
}

const char* kPolicy = R"({"name": "release", "max_regression": {"absolute": 0.02},
  "critical_slices": ["technical"], "aggregate": {"max_regression": 0.02}})";

} // namespace

TEST(ScoreCli, VllmCsvImportsWithAMapping) {
    QL_REQUIRE_DATA();
    ql::test::TempDir dir;
    const auto csv = ql::test::dataDir() / "scorecards" / "vllm_gsm8k_precision_variants.csv";
    const CliRun r =
        runCli("import --json --workspace " + q(dir / "w.ql") + " " + q(csv) +
               " --mapping group=base_model,variant=precision,slice=const:gsm8k,"
               "score=gsm8k_exact_match_strict,score=gsm8k_exact_match_flexible,n=limit"
               " --baseline 'unquantized*'");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j.size(), 4u);
    int variants = 0, cells = 0;
    for (const auto& c : j) {
        variants += c["variants"].get<int>();
        cells += c["cells"].get<int>();
    }
    EXPECT_EQ(variants, 16);
    EXPECT_EQ(cells, 32);
    const CliRun s = runCli("scorecard --json --workspace " + q(dir / "w.ql") + " --scorecard 1");
    ASSERT_EQ(s.exitCode, 0) << s.err;
    const auto card = nlohmann::json::parse(s.out)[0];
    EXPECT_EQ(card["comparisons"], 14); // 7 variants x 2 dimensions
    bool labelled = false;
    for (const auto& c : card["cells"])
        if (c.contains("vs_baseline"))
            labelled |= c["vs_baseline"]["method"] == "unpaired normal approx (two-proportion)";
    EXPECT_TRUE(labelled);
    const CliRun text = runCli("scorecard --workspace " + q(dir / "w.ql"));
    ASSERT_EQ(text.exitCode, 0) << text.err;
    EXPECT_NE(text.out.find("gsm8k_exact_match_strict"), std::string::npos);
}

TEST(ScoreCli, GateExitCodesAndDecision) {
    ql::test::TempDir dir;
    writeStory(dir / "story.csv");
    write(dir / "policy.json", kPolicy);
    const std::string ws = " --workspace " + q(dir / "w.ql");
    const CliRun imp = runCli("import" + ws + " " + q(dir / "story.csv") + " --baseline FP16");
    ASSERT_EQ(imp.exitCode, 0) << imp.err;
    EXPECT_NE(imp.out.find("4 variants"), std::string::npos) << imp.out;
    const std::string gate = "gate" + ws + " --policy " + q(dir / "policy.json");

    const CliRun all = runCli(gate);
    EXPECT_EQ(all.exitCode, 1) << all.out << all.err; // AWQ and GPTQ fail
    EXPECT_NE(all.out.find("technical"), std::string::npos);
    EXPECT_EQ(runCli(gate + " --variant INT8").exitCode, 0);
    const CliRun awq = runCli(gate + " --variant AWQ --json");
    EXPECT_EQ(awq.exitCode, 1);
    const auto j = nlohmann::json::parse(awq.out);
    EXPECT_EQ(j[0]["variants"][0]["verdict"], "fail");
    EXPECT_EQ(j[0]["variants"][0]["reasons"][0]["slice"], "technical");

    write(dir / "lenient.json", R"({"max_regression": 0.005})");
    EXPECT_EQ(
        runCli("gate" + ws + " --policy " + q(dir / "lenient.json") + " --variant AWQ").exitCode,
        1); // technical is significant; the -0.7 point slices are inconclusive
    write(dir / "soft.json", R"({"max_regression": 0.005, "slices": {"technical": 0.1}})");
    EXPECT_EQ(runCli("gate" + ws + " --policy " + q(dir / "soft.json") + " --variant AWQ").exitCode,
              3);

    write(dir / "bad.json", R"({"max_regression": "two"})");
    const CliRun bad = runCli("gate" + ws + " --policy " + q(dir / "bad.json"));
    EXPECT_EQ(bad.exitCode, 2);
    EXPECT_NE(bad.err.find("bad.json"), std::string::npos) << bad.err;
    EXPECT_EQ(runCli("gate" + ws).exitCode, 2); // no --policy
    EXPECT_EQ(
        runCli("gate --workspace " + q(dir / "none.ql") + " --policy " + q(dir / "policy.json"))
            .exitCode,
        2);

    const CliRun d = runCli("decide" + ws +
                            " --default INT8 --flagged AWQ:batch,internal "
                            "--rationale 'INT8 wins on every slice' --author ari");
    ASSERT_EQ(d.exitCode, 0) << d.err;
    const CliRun d2 = runCli("decide" + ws + " --default FP16 --rationale rollback --author ari");
    ASSERT_EQ(d2.exitCode, 0) << d2.err;
    EXPECT_NE(d2.out.find("superseding decision 1"), std::string::npos) << d2.out;
    const CliRun list = runCli("decide" + ws + " --list --json");
    const auto decisions = nlohmann::json::parse(list.out);
    ASSERT_EQ(decisions.size(), 2u);
    EXPECT_EQ(decisions[0]["superseded_by"], 2);
    EXPECT_EQ(decisions[0]["flagged"][0]["surfaces"][1], "internal");
    EXPECT_FALSE(decisions[0]["gate_policy"].is_null()); // the last gate run on the card
    EXPECT_NE(runCli("decide" + ws + " --default NOPE --rationale x --author y").exitCode, 0);
}

TEST(ScoreCli, ImportErrorsNameTheFile) {
    ql::test::TempDir dir;
    write(dir / "broken.csv", "variant,slice,score\nfp16,a,zero\n");
    const CliRun r = runCli("import --workspace " + q(dir / "w.ql") + " " + q(dir / "broken.csv"));
    EXPECT_NE(r.exitCode, 0);
    EXPECT_NE(r.err.find("broken.csv:2: column 'score'"), std::string::npos) << r.err;
}

TEST(ScoreCli, LmEvalRunsOfTwoVariantsShareOneScorecard) {
    ql::test::TempDir dir;
    auto results = [](double acc, const std::string& version) {
        return R"({"results": {"arc_easy": {"acc,none": )" + std::to_string(acc) +
               R"(, "acc_stderr,none": 0.008}}, "versions": {"arc_easy": )" + version +
               R"(}, "n-shot": {"arc_easy": 0}, "n-samples": {"arc_easy": {"effective": 2376}},
               "config": {"model": "hf", "model_args": "pretrained=org/m"}})";
    };
    write(dir / "results_fp16.json", results(0.80, "1.0"));
    write(dir / "results_int4.json", results(0.75, "1.0"));
    write(dir / "results_old.json", results(0.75, "0.9"));
    const std::string ws = " --workspace " + q(dir / "w.ql");
    ASSERT_EQ(runCli("import" + ws + " " + q(dir / "results_fp16.json") +
                     " --variant fp16 --baseline fp16")
                  .exitCode,
              0);
    const CliRun add =
        runCli("import" + ws + " " + q(dir / "results_int4.json") + " --variant int4 --into 1");
    ASSERT_EQ(add.exitCode, 0) << add.err;
    const CliRun old =
        runCli("import" + ws + " " + q(dir / "results_old.json") + " --variant int4b --into 1");
    EXPECT_NE(old.exitCode, 0);
    EXPECT_NE(old.err.find("evaluation set"), std::string::npos) << old.err;
    const auto card = nlohmann::json::parse(runCli("scorecard --json" + ws).out)[0];
    EXPECT_EQ(card["variants"].size(), 2u);
    for (const auto& c : card["cells"]) {
        if (c["variant"] == "int4") {
            EXPECT_EQ(c["vs_baseline"]["method"], "unpaired normal approx (reported stderr)");
        }
    }
}
