// The release report's gathering: deltas, the last gate run, per-cell limits and
// significance, decisions and the fit section, from a real workspace file.
#include "engine/fit/fit.h"
#include "engine/fit/hf_config.h"
#include "engine/report/release_report.h"
#include "engine/score/gate_limit.h"
#include "engine/score/gate_policy_json.h"
#include "engine/store/policy_store.h"
#include "engine/store/score_store.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <gtest/gtest.h>

namespace {

using namespace ql;

// FP16 and AWQ on two slices, 300 binary examples each; AWQ loses 13 on "technical".
score::Scorecard story() {
    score::Scorecard card;
    card.name = "story";
    card.sourcePath = "story.csv";
    card.sourceHash = "0123456789abcdef";
    card.evalSetVersion = "file:0123456789abcdef";
    card.evaluator = "hand";
    card.baseline = "FP16";
    for (const char* v : {"FP16", "AWQ"})
        for (const char* s : {"billing", "technical"}) {
            score::ScoreCell c{v, "acc", s, score::CellKind::Slice, 0, 300, {}, {}};
            const int lost = std::string(v) == "AWQ" && std::string(s) == "technical" ? 13 : 0;
            for (int i = 0; i < 300; ++i)
                c.examples.push_back({std::to_string(i), i < 240 && i >= lost ? 1.0 : 0.0});
            c.score = score::exampleMean(c.examples);
            card.cells.push_back(c);
        }
    return card;
}

const char* kPolicy = R"({"name": "release", "max_regression": {"absolute": 0.02},
  "slices": {"billing": {"relative": 0.01}}})";

} // namespace

TEST(ReleaseReport, GathersDeltasGateAndDecisions) {
    test::TempDir dir;
    Workspace ws(dir / "w.ql");
    const int64_t card = addScorecard(ws, story());
    const auto policy = score::parseGatePolicy(nlohmann::json::parse(kPolicy), "p");
    const int64_t pid = addGatePolicy(ws, policy.name, nlohmann::json::parse(kPolicy).dump());
    addGateVerdicts(ws, pid, card, score::evaluateGate(*loadScorecard(ws, card), policy));
    score::Decision d;
    d.subject = "story";
    d.defaultVariant = "FP16";
    d.rationale = "AWQ regresses on technical";
    d.author = "ari";
    d.scorecardIds = {card};
    addDecision(ws, d);
    d.rationale = "still FP16";
    addDecision(ws, d);

    const auto r = report::gatherReleaseReport(ws);
    ASSERT_EQ(r.scorecards.size(), 1u);
    const auto& s = r.scorecards[0];
    EXPECT_EQ(s.variants.front(), "FP16");
    EXPECT_EQ(s.comparisons, 2);
    const auto* tech = s.find("AWQ", "acc", "technical");
    ASSERT_TRUE(tech && tech->vsBaseline);
    EXPECT_NEAR(tech->vsBaseline->delta, -13.0 / 300.0, 1e-12); // 227/300 - 240/300
    ASSERT_TRUE(s.gate);
    EXPECT_EQ(s.gate->policyName, "release");
    ASSERT_EQ(s.gate->verdicts.size(), 1u);
    EXPECT_EQ(s.gate->verdicts[0].verdict, "fail");
    const auto g = s.cellGate("AWQ", "acc", "technical");
    EXPECT_TRUE(g.gated);
    ASSERT_TRUE(g.limit);
    EXPECT_DOUBLE_EQ(*g.limit, 0.02);
    ASSERT_NE(g.reason, nullptr);
    EXPECT_EQ(g.reason->severity, "fail");
    EXPECT_EQ(g.significant, std::optional<bool>(true)); // McNemar: 13 discordant, p < 0.001
    const auto billing = s.cellGate("AWQ", "acc", "billing");
    ASSERT_TRUE(billing.limit);
    EXPECT_DOUBLE_EQ(*billing.limit, 0.01 * 0.8); // relative to the baseline's 240/300
    EXPECT_EQ(billing.reason, nullptr);
    ASSERT_EQ(r.decisions.size(), 2u);
    ASSERT_NE(r.currentDecision(), nullptr);
    EXPECT_EQ(r.currentDecision()->rationale, "still FP16");
    EXPECT_EQ(r.toolVersion, std::string("Quantlens ") + QUANTLENS_VERSION);
    EXPECT_EQ(gatePolicies(ws).size(), 1u);
}

TEST(ReleaseReport, GatePolicyJsonRoundTrips) {
    const auto p = score::parseGatePolicy(nlohmann::json::parse(R"({
      "name": "r", "baseline": "FP16", "confidence": 0.9, "require_significance": false,
      "adjustment": "holm", "max_regression": {"absolute": 0.02, "relative": 0.05},
      "dimensions": {"exact_match": {"relative": 0.03}}, "slices": {"technical": 0.01},
      "critical_slices": ["technical"], "required_slices": ["billing"],
      "lower_is_better": ["perplexity"], "gated_dimensions": ["acc"],
      "aggregate": {"max_regression": {"absolute": 0.01}, "min": 0.6},
      "bootstrap_resamples": 500, "seed": 7})"),
                                          "p");
    const auto j = score::gatePolicyJson(p);
    EXPECT_EQ(score::gatePolicyJson(score::parseGatePolicy(j, "again")), j);
    EXPECT_EQ(j["slices"]["technical"]["absolute"], 0.01);
    EXPECT_EQ(j["adjustment"], "holm");
    EXPECT_EQ(j["aggregate"]["min"], 0.6);
    EXPECT_EQ(j["seed"], 7u);
}

TEST(ReleaseReport, GateLimitTakesTheTighterAndCriticalSlices) {
    score::GatePolicy p;
    p.maxRegression = {0.02, 0.05};
    p.criticalSlices = {"tech"};
    p.sliceLimits["tech"] = {};
    EXPECT_DOUBLE_EQ(*score::gateLimit(p, "acc", "a", 0.2), 0.01); // 5 % of 0.2 < 0.02
    EXPECT_DOUBLE_EQ(*score::gateLimit(p, "acc", "a", 0.8), 0.02);
    EXPECT_DOUBLE_EQ(*score::gateLimit(p, "acc", "tech", 0.8), 0.0);
    EXPECT_FALSE(score::gateLimit(score::GatePolicy{}, "acc", "a", 0.8));
}

TEST(ReleaseReport, FitSectionSizesNamedVariants) {
    QL_REQUIRE_DATA();
    test::TempDir dir;
    Workspace ws(dir / "w.ql");
    addScorecard(ws, story());
    report::ReportOptions o;
    o.fit = report::FitOptions{};
    o.fit->model = test::dataDir() / "model_configs" / "meta-llama--Meta-Llama-3.1-8B_config.json";
    o.fit->variantFormat = {{"FP16", "bf16"}, {"AWQ", "int4-g128"}};
    o.fit->gpus = {"h100-sxm"};
    o.fit->context = 8192;
    const auto r = report::gatherReleaseReport(ws, o);
    ASSERT_EQ(r.fit.rows.size(), 2u);
    // Same sizes as asking the fit model directly.
    fit::FitRequest req;
    req.weights.format = fit::WeightFormat::Int4G128;
    req.context = 8192;
    req.gpuName = r.fit.rows[0].report.gpuName;
    req.gpuBytes = r.fit.rows[0].report.gpuBytes;
    const auto direct = fit::fitModel(fit::shapeFromHfConfigFile(o.fit->model), req);
    const auto& awq = r.fit.rows[0].variant == "AWQ" ? r.fit.rows[0] : r.fit.rows[1];
    EXPECT_EQ(awq.format, "int4-g128");
    EXPECT_EQ(awq.report.neededBytes(), direct.neededBytes());
    EXPECT_EQ(r.fit.rows[0].report.parameters, 8030261248); // Llama-3.1-8B, docs/fit-model.md
    EXPECT_TRUE(r.fit.notes.empty());
}
