// Evaluators inside an engine-thread job: one progress step per chunk, and a
// cancellation request stops the run between chunks.
#include "engine/eval/perplexity.h"
#include "engine/eval/text_file.h"
#include "engine/jobs/engine_thread.h"
#include "engine/model/model.h"
#include "tests/common/test_data.h"

#include <atomic>
#include <gtest/gtest.h>

namespace {

struct Loaded {
    std::unique_ptr<ql::Model> model = ql::Model::open(ql::test::stories260K());
    ql::Tokenizer tokenizer = ql::Tokenizer::fromMetadata(model->metadata());
    ql::LlamaForward forward{*model};
    std::vector<ql::TokenId> tokens = tokenizer.tokenize(
        ql::readEvalText(ql::test::dataDir() / "text" / "tinystories_valid_1-500.txt"));
};

TEST(EvalJob, PerplexityReportsOneStepPerChunk) {
    QL_REQUIRE_DATA();
    Loaded l;
    ql::EngineThread engine;
    double ppl = 0;
    const uint64_t id = engine.submit("perplexity", [&](ql::JobContext& ctx) {
        ql::RunOptions o;
        o.nCtx = 128;
        o.maxChunks = 6;
        o.job = &ctx;
        ppl = ql::computePerplexity(l.forward, l.tokens, l.tokenizer.bos(), o).ppl;
    });
    engine.waitIdle();
    const ql::JobSnapshot s = engine.snapshot(id);
    EXPECT_EQ(s.status, ql::JobStatus::Finished) << s.error;
    EXPECT_EQ(s.total, 6);
    EXPECT_EQ(s.done, 6);
    EXPECT_GT(ppl, 1.0);
}

TEST(EvalJob, CancelStopsBetweenChunks) {
    QL_REQUIRE_DATA();
    Loaded l;
    ql::EngineThread engine;
    std::atomic<bool> cancelNow{false};
    const uint64_t id = engine.submit("perplexity", [&](ql::JobContext& ctx) {
        ql::RunOptions o;
        o.nCtx = 128;
        o.threads = 1;
        o.job = &ctx;
        cancelNow = true;
        ql::computePerplexity(l.forward, l.tokens, l.tokenizer.bos(), o);
    });
    while (!cancelNow)
        std::this_thread::yield();
    engine.cancel(id);
    engine.waitIdle();
    const ql::JobSnapshot s = engine.snapshot(id);
    EXPECT_EQ(s.status, ql::JobStatus::Cancelled);
    EXPECT_LT(s.done, 1593);
}

} // namespace
