// quantlens-cli report on the real AutoRound GGUF scorecards: import, gate, decide, then
// the HTML and the PDF must name the source file's hash, the verdicts and the rationale.
// The PDF is read back with poppler (pdftotext, pdftoppm), an independent reader.
#include "tests/common/cli_runner.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

namespace {

using ql::test::runCli;
using ql::test::shellQuote;

std::string readText(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// pdftotext breaks lines where the layout does; compare with single spaces.
std::string squeeze(const std::string& s) {
    return std::regex_replace(s, std::regex("\\s+"), " ");
}

bool haveTool(const char* tool) {
    return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

// quantlens-cli built with QUANTLENS_BUILD_UI=OFF lists `report` but says it needs Qt.
bool reportBuilt() {
    const auto r = runCli("report --workspace /nonexistent.ql -o /nonexistent.pdf");
    return r.err.find("built without Qt") == std::string::npos;
}

#define QL_REQUIRE_REPORT()                                                                        \
    do {                                                                                           \
        if (!reportBuilt())                                                                        \
            GTEST_SKIP() << "quantlens-cli was built without Qt (QUANTLENS_BUILD_UI=OFF): no "     \
                            "report to check";                                                     \
    } while (0)

const char* kRationale = "q4km stays within a point of bf16 on every task; q2ks loses too much";

struct Story {
    ql::test::TempDir dir;
    std::string ws;
    std::string hash;
};

// Import, gate (mmlu critical) and decide, as a release manager would.
void prepare(Story& s) {
    const auto csv = ql::test::dataDir() / "scorecards" / "autoround_gguf_per_task_acc.csv";
    s.ws = " --workspace " + shellQuote(s.dir / "w.ql");
    const auto imp = runCli("import" + s.ws + " " + shellQuote(csv) +
                            " --mapping group=model,variant=variant,slice=task,score=score,"
                            "dimension=const:acc,evaluator=eval_setup --baseline 'bf16*'");
    ASSERT_EQ(imp.exitCode, 0) << imp.err;
    std::ofstream(s.dir / "policy.json")
        << R"({"name": "release-2026", "max_regression": {"absolute": 0.01},
              "critical_slices": ["mmlu"]})";
    const auto gate =
        runCli("gate" + s.ws + " --scorecard 1 --policy " + shellQuote(s.dir / "policy.json"));
    ASSERT_EQ(gate.exitCode, 1) << gate.out << gate.err; // q2ks regresses on mmlu
    const auto d = runCli("decide" + s.ws +
                          " --scorecard 1 --default q4km --flagged "
                          "q3ks:batch,offline --author release-board --rationale '" +
                          kRationale + "'");
    ASSERT_EQ(d.exitCode, 0) << d.err;
    const auto card = runCli("scorecard --json" + s.ws + " --scorecard 1");
    ASSERT_EQ(card.exitCode, 0) << card.err;
    s.hash = nlohmann::json::parse(card.out)[0]["source_hash"].get<std::string>();
    ASSERT_EQ(s.hash.size(), 16u);
}

std::string fitArgs() {
    const auto config = ql::test::dataDir() / "model_configs" / "Qwen--Qwen3-8B_config.json";
    return " --fit-model " + shellQuote(config) +
           " --fit bf16=bf16 --fit q4km=q4_K --fit q3ks=q3_K --fit q2ks=q2_K"
           " --gpu rtx-4090 --gpu l4 --ctx 8192";
}

} // namespace

TEST(ReportCli, HtmlAndPdfNameHashVerdictsAndRationale) {
    QL_REQUIRE_DATA();
    QL_REQUIRE_REPORT();
    Story s;
    prepare(s);
    const auto html = runCli("report" + s.ws + " --scorecard 1 -o " +
                             shellQuote(s.dir / "report.html") + fitArgs());
    ASSERT_EQ(html.exitCode, 0) << html.err;
    const std::string h = readText(s.dir / "report.html");
    EXPECT_NE(h.find(s.hash), std::string::npos);
    EXPECT_NE(h.find(kRationale), std::string::npos);
    EXPECT_NE(h.find("FAIL"), std::string::npos);
    EXPECT_NE(h.find("release-2026"), std::string::npos);
    EXPECT_NE(h.find("data:image/svg+xml;base64,"), std::string::npos); // charts inside
    EXPECT_EQ(h.find("ql-chart:"), std::string::npos);                  // nothing external
    EXPECT_NE(h.find("Qwen3-8B"), std::string::npos);

    const auto pdf = runCli("report" + s.ws + " --scorecard 1 -o " +
                            shellQuote(s.dir / "report.pdf") + fitArgs());
    ASSERT_EQ(pdf.exitCode, 0) << pdf.err;
    EXPECT_EQ(readText(s.dir / "report.pdf").rfind("%PDF-", 0), 0u);
    if (!haveTool("pdftotext") || !haveTool("pdftoppm"))
        GTEST_SKIP() << "poppler-utils (pdftotext, pdftoppm) missing: the PDF's text is not "
                        "checked; apt-get install poppler-utils";
    ASSERT_EQ(std::system(("pdftotext -layout " + shellQuote(s.dir / "report.pdf") + " " +
                           shellQuote(s.dir / "report.txt"))
                              .c_str()),
              0);
    const std::string raw = readText(s.dir / "report.txt");
    const std::string text = squeeze(raw);
    EXPECT_NE(text.find(s.hash), std::string::npos);
    EXPECT_NE(text.find(kRationale), std::string::npos) << text.substr(0, 2000);
    EXPECT_NE(text.find("FAIL"), std::string::npos);
    EXPECT_NE(text.find("release-2026"), std::string::npos);
    EXPECT_GE(std::count(raw.begin(), raw.end(), '\f'), 3); // several pages
    ASSERT_EQ(std::system(("pdftoppm -r 50 -f 1 -l 1 -png " + shellQuote(s.dir / "report.pdf") +
                           " " + shellQuote(s.dir / "page"))
                              .c_str()),
              0);
    EXPECT_TRUE(std::filesystem::exists(s.dir / "page-1.png") ||
                std::filesystem::exists(s.dir / "page-01.png"));
    if (const char* keep = std::getenv("QUANTLENS_REPORT_KEEP")) // for looking at it
        std::filesystem::copy_file(s.dir / "report.pdf", keep,
                                   std::filesystem::copy_options::overwrite_existing);
}

TEST(ReportCli, ErrorsNameTheProblem) {
    QL_REQUIRE_REPORT();
    ql::test::TempDir dir;
    const auto none = runCli("report --workspace " + shellQuote(dir / "none.ql") + " -o " +
                             shellQuote(dir / "r.pdf"));
    EXPECT_NE(none.exitCode, 0);
    EXPECT_NE(none.err.find("none.ql"), std::string::npos) << none.err;
    const auto ws = " --workspace " + shellQuote(dir / "w.ql");
    runCli("decide" + ws + " --list"); // creates an empty workspace
    const auto bad = runCli("report" + ws + " -o " + shellQuote(dir / "r.docx"));
    EXPECT_NE(bad.exitCode, 0);
    EXPECT_NE(bad.err.find("r.docx"), std::string::npos) << bad.err;
}
