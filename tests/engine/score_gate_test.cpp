// Gate verdicts on hand-built scorecards, including the article's acceptance story.
#include "engine/core/error.h"
#include "engine/score/gate.h"
#include "tests/common/temp_dir.h"

#include <fstream>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace ql::score;
using ::testing::HasSubstr;

namespace {

constexpr int kPerSlice = 300; // 4 slices x 300 = the article's 1,200 held-out examples

// Per-example binary results: the baseline gets `correct` right; the variant flips
// `lost` of those to wrong and `gained` of the wrong ones to right (paired data).
void addSlice(Scorecard& card, const std::string& variant, const std::string& slice, int correct,
              int lost, int gained) {
    ScoreCell c{variant, "accuracy", slice, CellKind::Slice, 0.0, kPerSlice, {}, {}};
    for (int i = 0; i < kPerSlice; ++i) {
        bool right = i < correct;
        if (i < lost)
            right = false;
        if (i >= correct && i < correct + gained)
            right = true;
        c.examples.push_back({slice + "-" + std::to_string(i), right ? 1.0 : 0.0});
    }
    c.score = exampleMean(c.examples);
    card.cells.push_back(std::move(c));
}

const std::vector<std::string> kSlices{"billing", "account", "technical", "general"};

// FP16 baseline, INT8 (no measurable regression), AWQ (technical -4.3 points, others -0.7)
// and GPTQ (technical -5.7 points).
Scorecard acceptanceStory() {
    Scorecard card;
    card.id = 1;
    card.name = "assistant-70b";
    card.baseline = "FP16";
    for (const auto& s : kSlices) {
        const bool tech = s == "technical";
        addSlice(card, "FP16", s, 240, 0, 0);
        addSlice(card, "INT8", s, 240, 1, 1);
        addSlice(card, "AWQ", s, 240, tech ? 13 : 2, 0);
        addSlice(card, "GPTQ", s, 240, tech ? 17 : 1, 0);
    }
    return card;
}

GatePolicy storyPolicy() {
    return parseGatePolicy(nlohmann::json::parse(R"({
        "name": "release",
        "max_regression": {"absolute": 0.02},
        "critical_slices": ["technical"],
        "aggregate": {"max_regression": {"absolute": 0.02}}
    })"),
                           "story.json");
}

const VariantVerdict& verdictOf(const GateResult& r, const std::string& v) {
    for (const auto& vv : r.variants)
        if (vv.variant == v)
            return vv;
    throw std::runtime_error("no verdict for " + v);
}

ScoreCell aggregateCell(const std::string& v, const std::string& slice, double score, int64_t n) {
    return {v, "acc", slice, CellKind::Slice, score, n, {}, {}};
}

} // namespace

TEST(ScoreGate, AcceptanceStoryInt8PassesAwqAndGptqFailOnTheTechnicalSlice) {
    const GateResult r = evaluateGate(acceptanceStory(), storyPolicy());
    EXPECT_EQ(r.baseline, "FP16");
    EXPECT_EQ(r.comparisons, 12); // 3 variants x 4 slices x 1 dimension
    EXPECT_EQ(verdictOf(r, "INT8").verdict, Verdict::Pass);
    EXPECT_TRUE(verdictOf(r, "INT8").reasons.empty());
    const auto& awq = verdictOf(r, "AWQ");
    EXPECT_EQ(awq.verdict, Verdict::Fail);
    ASSERT_EQ(awq.reasons.size(), 1u); // only the technical slice; the aggregate is within bounds
    EXPECT_EQ(awq.reasons[0].slice, "technical");
    EXPECT_EQ(awq.reasons[0].dimension, "accuracy");
    EXPECT_NEAR(awq.reasons[0].comparison->delta, -13.0 / 300.0, 1e-12);
    EXPECT_NEAR(*awq.reasons[0].comparison->pValue, 2.0 / 8192.0, 1e-12); // McNemar b=13 c=0
    EXPECT_DOUBLE_EQ(awq.reasons[0].threshold, 0.02);
    EXPECT_THAT(awq.reasons[0].message, HasSubstr("McNemar"));
    EXPECT_EQ(verdictOf(r, "GPTQ").verdict, Verdict::Fail);
    EXPECT_EQ(r.overall(), Verdict::Fail);
    EXPECT_EQ(evaluateGate(acceptanceStory(), storyPolicy(), "INT8").overall(), Verdict::Pass);
}

TEST(ScoreGate, ASliceRegressionFailsEvenWhenTheAggregateImproves) {
    Scorecard card;
    card.baseline = "fp16";
    for (const auto& s : kSlices) {
        addSlice(card, "fp16", s, 200, 0, 0);
        const bool bad = s == "technical";
        addSlice(card, "int4", s, 200, bad ? 30 : 0, bad ? 0 : 20); // -10 points on one slice
    }
    const GatePolicy p = parseGatePolicy(nlohmann::json::parse(R"({
        "max_regression": 0.03, "aggregate": {"max_regression": 0.01}})"),
                                         "p.json");
    const auto a = aggregate(card, "int4", "accuracy"), b = aggregate(card, "fp16", "accuracy");
    ASSERT_GT(a->score, b->score); // 830/1200 against 800/1200
    const GateResult r = evaluateGate(card, p);
    EXPECT_EQ(r.overall(), Verdict::Fail);
    ASSERT_EQ(r.variants[0].reasons.size(), 1u);
    EXPECT_EQ(r.variants[0].reasons[0].slice, "technical");
}

TEST(ScoreGate, BeyondTheLimitButNotSignificantIsInconclusive) {
    Scorecard card;
    card.baseline = "fp16";
    card.cells = {aggregateCell("fp16", "a", 0.80, 50), aggregateCell("int4", "a", 0.76, 50)};
    GatePolicy p;
    p.maxRegression.absolute = 0.02;
    GateResult r = evaluateGate(card, p);
    EXPECT_EQ(r.overall(), Verdict::Inconclusive);
    EXPECT_THAT(r.variants[0].reasons[0].message, HasSubstr("not significant"));
    EXPECT_THAT(r.variants[0].reasons[0].message, HasSubstr("two-proportion"));
    p.requireSignificance = false;
    EXPECT_EQ(evaluateGate(card, p).overall(), Verdict::Fail);
    p.requireSignificance = true;
    p.criticalSlices = {"a"}; // critical: beyond the limit fails, significant or not
    EXPECT_EQ(evaluateGate(card, p).overall(), Verdict::Fail);
}

TEST(ScoreGate, WithoutNSignificanceIsUnknownAndSaysSo) {
    Scorecard card;
    card.baseline = "bf16";
    card.cells = {aggregateCell("bf16", "mmlu", 0.70, 0), aggregateCell("q2", "mmlu", 0.60, 0)};
    GatePolicy p;
    p.maxRegression.relative = 0.05; // 5 % of 0.70 = 0.035
    const GateResult r = evaluateGate(card, p);
    EXPECT_EQ(r.overall(), Verdict::Inconclusive);
    EXPECT_THAT(r.variants[0].reasons[0].message, HasSubstr("significance unknown"));
    EXPECT_NEAR(r.variants[0].reasons[0].threshold, 0.035, 1e-12);
}

TEST(ScoreGate, MissingSlicesAreInconclusive) {
    Scorecard card;
    card.baseline = "fp16";
    card.cells = {aggregateCell("fp16", "a", 0.8, 1000), aggregateCell("fp16", "b", 0.8, 1000),
                  aggregateCell("int8", "a", 0.8, 1000)};
    GatePolicy p;
    p.maxRegression.absolute = 0.02;
    GateResult r = evaluateGate(card, p);
    EXPECT_EQ(r.overall(), Verdict::Inconclusive);
    EXPECT_EQ(r.variants[0].reasons[0].slice, "b");
    p.requiredSlices = {"c"};
    r = evaluateGate(card, p);
    EXPECT_EQ(r.variants[0].reasons.size(), 2u);
}

TEST(ScoreGate, LowerIsBetterAndAggregateBounds) {
    Scorecard card;
    card.baseline = "fp16";
    card.cells = {{"fp16", "ppl", "wiki", CellKind::Slice, 5.0, 0, {}, {}},
                  {"int4", "ppl", "wiki", CellKind::Slice, 5.5, 0, {}, {}}};
    GatePolicy p;
    p.lowerIsBetter = {"ppl"};
    p.aggregateMaxRegression.relative = 0.05; // 5.5 is 10 % worse
    GateResult r = evaluateGate(card, p);
    EXPECT_EQ(r.overall(), Verdict::Fail);
    EXPECT_EQ(r.variants[0].reasons[0].slice, "(aggregate)");
    p.aggregateMaxRegression = {};
    p.aggregateMin = 6.0; // at most 6.0 perplexity
    EXPECT_EQ(evaluateGate(card, p).overall(), Verdict::Pass);
}

TEST(ScoreGate, HolmAdjustmentCanTurnAFailIntoInconclusive) {
    Scorecard card = acceptanceStory();
    GatePolicy p = storyPolicy();
    p.criticalSlices.clear();
    p.maxRegression.absolute = 0.005; // AWQ's -0.67 point slices now exceed it
    const GateResult raw = evaluateGate(card, p, "AWQ");
    p.adjustment = Adjustment::Holm;
    const GateResult holm = evaluateGate(card, p, "AWQ");
    EXPECT_EQ(raw.comparisons, 4);
    ASSERT_TRUE(holm.variants[0].reasons[0].adjustedP);
    EXPECT_GE(*holm.variants[0].reasons[0].adjustedP,
              *holm.variants[0].reasons[0].comparison->pValue);
    EXPECT_EQ(holm.overall(), Verdict::Fail); // technical stays significant after adjustment
}

TEST(ScoreGate, PolicyErrorsNameTheField) {
    auto error = [](const std::string& text) -> std::string {
        try {
            parseGatePolicy(nlohmann::json::parse(text), "policy.json");
        } catch (const ql::Error& e) {
            return e.what();
        }
        return "no error";
    };
    EXPECT_THAT(error(R"({"max_regression": {"absolute": "x"}})"),
                HasSubstr("policy.json: field \"max_regression.absolute\""));
    EXPECT_THAT(error(R"({"colour": 1})"), HasSubstr("field \"colour\""));
    EXPECT_THAT(error(R"({"adjustment": "bonferroni"})"), HasSubstr("field \"adjustment\""));
    EXPECT_THAT(error(R"({"confidence": 95})"), HasSubstr("field \"confidence\""));
    const GatePolicy p = parseGatePolicy(nlohmann::json::parse(R"({
        "baseline": "fp16", "confidence": 0.9, "require_significance": false,
        "adjustment": "bh", "dimensions": {"acc": {"relative": 0.02}},
        "slices": {"math": 0.05}, "lower_is_better": ["ppl"], "required_slices": ["math"],
        "aggregate": {"max_regression": 0.01, "min": 0.5}})"),
                                         "ok.json");
    EXPECT_EQ(p.adjustment, Adjustment::BenjaminiHochberg);
    EXPECT_DOUBLE_EQ(*p.dimensionLimits.at("acc").relative, 0.02);
    EXPECT_DOUBLE_EQ(*p.sliceLimits.at("math").absolute, 0.05);
    EXPECT_DOUBLE_EQ(*p.aggregateMin, 0.5);
}

// A policy file's bad value is named with the byte where it starts, found here by searching
// the written text for the value.
TEST(ScoreGate, PolicyFileErrorsGiveTheByteOffset) {
    ql::test::TempDir dir;
    const auto error = [&](const std::string& text) -> std::string {
        std::ofstream(dir / "policy.json", std::ios::binary) << text;
        try {
            loadGatePolicy(dir / "policy.json");
        } catch (const ql::Error& e) {
            return e.what();
        }
        return "no error";
    };
    const auto at = [](size_t offset) { return " (at byte " + std::to_string(offset) + ")"; };
    std::string t = R"({"confidence": 0.9, "slices": {"math": {"relative": "x"}}})";
    EXPECT_EQ(error(t),
              R"(policy.json: field "slices.math.relative": expected a number, found "x")" +
                  at(t.find(R"("x")")));
    t = R"({"lower_is_better": ["ppl", 5]})";
    EXPECT_EQ(error(t), R"(policy.json: field "lower_is_better": expected names, found 5)" +
                            at(t.find("5]")));
    // "confidence" inside a string is not the key; the key's second value is the one read.
    t = R"({"name": "{\"confidence\": 0.9}", "confidence": 0.9, "confidence": 95})";
    EXPECT_EQ(error(t), R"(policy.json: field "confidence": expected a level between 0.5 and 1, )"
                        "e.g. 0.95" +
                            at(t.find("95}")));
    t = R"({"aggregate": {"min": 0.5, "colour": 1}})";
    EXPECT_EQ(error(t), R"(policy.json: field "aggregate.colour": unknown key (max_regression, )"
                        "min)" +
                            at(t.find("1}")));
}

// The editor's text and stored policy bodies go through the same reader as files.
TEST(ScoreGate, PolicyTextErrorsGiveTheByteOffset) {
    const auto error = [](const std::string& text) -> std::string {
        try {
            parseGatePolicyText(text, "gate policy");
        } catch (const ql::Error& e) {
            return e.what();
        }
        return "no error";
    };
    std::string t = R"({"confidence": 0.9,
  "slices": {"math": {"relative": "x"}}})";
    EXPECT_EQ(error(t), R"(gate policy: field "slices.math.relative": expected a number, found "x")"
                        " (at byte " +
                            std::to_string(t.find(R"("x")")) + ")");
    const std::string bad = R"({"confidence": 0.9,})";
    const std::string parse = error(bad);
    EXPECT_NE(parse.find("gate policy"), std::string::npos) << parse;
    EXPECT_NE(parse.find("byte"), std::string::npos) << parse;
    EXPECT_EQ(parseGatePolicyText(R"({"confidence": 0.9})", "gate policy").confidence, 0.9);
}

TEST(ScoreGate, NoBaselineIsAnError) {
    Scorecard card;
    card.cells = {aggregateCell("a", "s", 0.5, 10)};
    EXPECT_THROW(evaluateGate(card, GatePolicy{}), ql::Error);
}
