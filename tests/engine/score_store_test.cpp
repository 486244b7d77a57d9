// Scorecards, gate verdicts and decisions in the workspace; decisions are append-only.
#include "engine/core/error.h"
#include "engine/store/score_store.h"
#include "engine/store/sqlite_util.h"
#include "tests/common/temp_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace ql;
using namespace ql::score;
using ::testing::HasSubstr;

namespace {

Scorecard smallCard() {
    Scorecard c;
    c.name = "story";
    c.sourcePath = "/tmp/x.csv";
    c.sourceHash = "0123456789abcdef";
    c.evalSetVersion = "file:0123456789abcdef";
    c.evaluator = "csv";
    c.baseline = "fp16";
    c.cells = {{"fp16", "acc", "a", CellKind::Slice, 0.5, 2, 0.01, {{"q1", 1.0}, {"q2", 0.0}}},
               {"int8", "acc", "a", CellKind::Slice, 1.0, 2, {}, {{"q1", 1.0}, {"q2", 1.0}}},
               {"fp16", "acc", "Average", CellKind::ReportedAggregate, 0.5, 0, {}, {}}};
    return c;
}

std::string execError(Workspace& ws, const std::string& sql) {
    try {
        sql::exec(ws.handle(), sql, ws.path());
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

} // namespace

TEST(ScoreStore, ScorecardRoundTripsWithExamplesAndNullStderr) {
    test::TempDir dir;
    Workspace ws(dir / "w.quantlens");
    EXPECT_EQ(ws.schemaVersion(), Workspace::latestSchemaVersion());
    const int64_t id = addScorecard(ws, smallCard());
    const auto back = loadScorecard(ws, id);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->name, "story");
    EXPECT_EQ(back->baseline, "fp16");
    EXPECT_FALSE(back->importedAt.empty());
    ASSERT_EQ(back->cells.size(), 3u);
    EXPECT_DOUBLE_EQ(*back->cells[0].stdError, 0.01);
    EXPECT_FALSE(back->cells[1].stdError);
    EXPECT_EQ(back->cells[1].examples.size(), 2u);
    EXPECT_EQ(back->cells[0].examples[1].id, "q2");
    EXPECT_EQ(back->cells[2].kind, CellKind::ReportedAggregate);
    EXPECT_EQ(scorecardList(ws).size(), 1u);
    EXPECT_FALSE(loadScorecard(ws, 99));
}

TEST(ScoreStore, MergeAddsVariantsFromTheSameEvaluationSetOnly) {
    test::TempDir dir;
    Workspace ws(dir / "w.quantlens");
    const int64_t id = addScorecard(ws, smallCard());
    Scorecard more = smallCard();
    more.cells = {{"awq", "acc", "a", CellKind::Slice, 0.4, 2, {}, {}}};
    mergeIntoScorecard(ws, id, more);
    EXPECT_EQ(loadScorecard(ws, id)->variants().size(), 3u);
    more.evalSetVersion = "file:ffff";
    more.cells[0].variant = "gptq";
    EXPECT_THROW(mergeIntoScorecard(ws, id, more), Error);
}

TEST(ScoreStore, DecisionsAreAppendOnlyAndSupersede) {
    test::TempDir dir;
    Workspace ws(dir / "w.quantlens");
    const int64_t card = addScorecard(ws, smallCard());
    const int64_t policy = addGatePolicy(ws, "release", R"({"max_regression": 0.02})");
    EXPECT_EQ(addGatePolicy(ws, "release", R"({"max_regression": 0.02})"), policy);
    Decision d;
    d.subject = "story";
    d.defaultVariant = "int8";
    d.flagged = {{"awq", {"batch", "offline"}}};
    d.rationale = "INT8 wins on every slice";
    d.author = "ari";
    d.scorecardIds = {card};
    d.gatePolicyId = policy;
    const int64_t first = addDecision(ws, d);
    d.defaultVariant = "fp16";
    d.flagged.clear();
    const int64_t second = addDecision(ws, d);
    const auto all = decisions(ws);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].supersededBy, second);
    EXPECT_EQ(all[1].supersedes, first);
    EXPECT_EQ(all[0].flagged[0].surfaces, (std::vector<std::string>{"batch", "offline"}));
    EXPECT_EQ(all[0].scorecardIds, std::vector<int64_t>{card});
    EXPECT_EQ(*all[0].gatePolicyId, policy);
    EXPECT_EQ(currentDecision(ws, "story")->id, second);

    EXPECT_THAT(execError(ws, "UPDATE decisions SET default_variant = 'awq' WHERE id = 1"),
                HasSubstr("append-only"));
    EXPECT_THAT(execError(ws, "DELETE FROM decisions"), HasSubstr("append-only"));
    EXPECT_THAT(execError(ws, "DELETE FROM decision_scorecards"), HasSubstr("append-only"));
    EXPECT_THAT(execError(ws, "DELETE FROM scorecards"), HasSubstr("a decision rests on"));
    EXPECT_EQ(decisions(ws)[0].defaultVariant, "int8");
    d.supersedes = first; // a decision is superseded once: the chain does not fork
    EXPECT_THROW(addDecision(ws, d), Error);
}

TEST(ScoreStore, GateVerdictsAreStored) {
    test::TempDir dir;
    Workspace ws(dir / "w.quantlens");
    const int64_t card = addScorecard(ws, smallCard());
    GatePolicy p;
    p.maxRegression.absolute = 0.1;
    const GateResult r = evaluateGate(*loadScorecard(ws, card), p);
    addGateVerdicts(ws, addGatePolicy(ws, "p", "{}"), card, r);
    const auto v = gateVerdicts(ws, card);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].variant, "int8");
    EXPECT_EQ(v[0].verdict, "pass");
    EXPECT_EQ(v[0].comparisons, 1);
}
