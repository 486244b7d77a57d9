// Built-in evaluator results become scorecard cells whose examples are the chunks, and
// whose scores are the means the statistics recompute from those examples.
#include "engine/eval/eval_scorecard.h"

#include <gtest/gtest.h>

namespace ql {
namespace {

ChunkPlan plan(int64_t nCtx, int64_t chunks) {
    ChunkPlan p;
    p.nCtx = nCtx;
    p.nChunks = chunks;
    p.first = nCtx / 2;
    return p;
}

TEST(EvalScorecard, ChunksAreTheExamples) {
    // n_ctx 8: 3 scored tokens per chunk (positions 5..7), two chunks.
    KlDivergenceResult k;
    k.plan = plan(8, 2);
    k.tokenNll = {1, 2, 3, 4, 5, 6};
    k.tokenKld = {0.1, 0.2, 0.3, 0, 0, 0.3};
    k.tokenSameTop = {1, 1, 0, 1, 1, 1};
    const auto cells = klDivergenceCells("q8_0", "tinystories-B", k);
    ASSERT_EQ(cells.size(), 3u);
    EXPECT_EQ(cells[0].dimension, "nll");
    ASSERT_EQ(cells[0].examples.size(), 2u);
    EXPECT_DOUBLE_EQ(cells[0].examples[0].value, 2.0);
    EXPECT_DOUBLE_EQ(cells[0].examples[1].value, 5.0);
    EXPECT_DOUBLE_EQ(cells[0].score, 3.5);
    EXPECT_EQ(cells[0].n, 2);
    EXPECT_NEAR(cells[1].score, (0.2 + 0.1) / 2, 1e-12);
    EXPECT_NEAR(cells[2].examples[0].value, 2.0 / 3.0, 1e-12);
    EXPECT_EQ(cells[2].examples[1].id, "chunk-1");
}

TEST(EvalScorecard, BaselineHasZeroKldAndFullAgreement) {
    PerplexityResult r;
    r.plan = plan(8, 2);
    r.tokenNll = {1, 1, 1, 2, 2, 2};
    const auto cells = baselineCells("f32", "all", r);
    ASSERT_EQ(cells.size(), 3u);
    EXPECT_DOUBLE_EQ(cells[0].score, 1.5);
    EXPECT_DOUBLE_EQ(cells[1].score, 0.0);
    EXPECT_DOUBLE_EQ(cells[2].score, 1.0);
    EXPECT_EQ(cells[1].examples.size(), 2u);
    EXPECT_EQ(perplexityEvalSetVersion("abc", 128, 779), "text:abc;n_ctx=128;chunks=779");
}

} // namespace
} // namespace ql
