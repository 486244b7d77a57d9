// Per-example scoring on stories260K: llama-perplexity's numbers when a set is scored the
// way it scores, the baseline cache's accuracy bound against exact KL divergence, and a
// baseline computed once per set version.
#include "engine/core/error.h"
#include "engine/eval/baseline_cache.h"
#include "engine/eval/eval_job.h"
#include "engine/eval/eval_set_import.h"
#include "engine/eval/perplexity.h"
#include "engine/eval/text_file.h"
#include "engine/jobs/engine_thread.h"
#include "engine/model/model.h"
#include "engine/store/score_store.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <gtest/gtest.h>
#include <iostream>
#include <thread>

namespace {

struct Stories {
    std::unique_ptr<ql::Model> model = ql::Model::open(ql::test::stories260K());
    ql::Tokenizer tokenizer = ql::Tokenizer::fromMetadata(model->metadata());
    ql::LlamaForward forward{*model};
};

Stories& stories() {
    static Stories s;
    return s;
}

// The first `bytes` of text A, cut at a line end.
std::string textPrefix(size_t bytes) {
    const std::string all =
        ql::readEvalText(ql::test::dataDir() / "text" / "tinystories_valid_1-500.txt");
    return all.substr(0, all.rfind('\n', bytes));
}

TEST(EvalExamples, OneWholeTextExampleScoresAsLlamaPerplexity) {
    QL_REQUIRE_DATA();
    auto& s = stories();
    const std::vector<std::vector<ql::TokenId>> tokens{s.tokenizer.tokenize(textPrefix(3000))};
    ql::RunOptions run;
    run.nCtx = 128;
    run.threads = 2;
    const ql::PerplexityResult ppl = ql::computePerplexity(s.forward, tokens[0], 1, run);
    ql::ExampleRunOptions options;
    options.settings.nCtx = 128;
    options.settings.scoring = ql::ExampleScoring::LlamaPerplexity;
    options.threads = 2;
    const ql::ExampleRun ex = ql::scoreExamples(s.forward, tokens, 1, options);
    ASSERT_EQ(ex.examples[0].nll.size(), ppl.tokenNll.size());
    for (size_t i = 0; i < ppl.tokenNll.size(); ++i)
        ASSERT_EQ(ex.examples[0].nll[i], ppl.tokenNll[i]) << i;
    EXPECT_EQ(ex.windowsEvaluated, ppl.plan.nChunks);
}

struct Exact {
    double kld = 0;
    double spread = 0;  // sum_i p_i |log p_i - log q_i|
    double clamped = 0; // the same sum over the entries the cache clamps
};

// KL(p || q) from two logit rows, every entry, in double.
Exact exactKld(std::span<const float> base, std::span<const float> model) {
    const auto logSoftmax = [](std::span<const float> l) {
        const double m = *std::max_element(l.begin(), l.end());
        double sum = 0;
        for (float x : l)
            sum += std::exp(double(x) - m);
        std::vector<double> out;
        for (float x : l)
            out.push_back(double(x) - m - std::log(sum));
        return out;
    };
    const auto lp = logSoftmax(base), lq = logSoftmax(model);
    const double top = *std::max_element(lp.begin(), lp.end());
    Exact e;
    for (size_t i = 0; i < lp.size(); ++i) {
        const double term = std::exp(lp[i]) * (lp[i] - lq[i]);
        e.kld += term;
        e.spread += std::abs(term);
        if (lp[i] - top <= -ql::BaselineCache::kClampNats + 1e-3)
            e.clamped += std::abs(term);
    }
    return e;
}

// The cache stores log p_i to within half a step of 16/65535 nats (eps) and drops
// entries more than 16 nats below the top. With log p~ = log p + d, |d| <= eps,
// p~ = p e^d, so each kept term changes by at most p (e^eps - 1)|log p - log q| + p~ eps:
//   |KLD_cache - KLD_exact| <= (e^eps - 1) * spread + eps * e^eps + clamped.
TEST(EvalExamples, BaselineCacheKldErrorIsBounded) {
    QL_REQUIRE_DATA();
    auto& s = stories();
    const auto q4 = ql::Model::open(ql::test::dataDir() / "golden" / "stories260K-Q4_0.gguf");
    const ql::LlamaForward variant(*q4);
    auto tokens = s.tokenizer.tokenize(textPrefix(3000));
    tokens.resize(128);
    std::vector<float> base, model;
    s.forward.evaluate(tokens, 0, base);
    variant.evaluate(tokens, 0, model);
    const size_t vocab = size_t(s.forward.vocabSize());
    const double eps = 0.5 * 16.0 / 65535.0 + 2e-6; // half a step, and float rounding
    std::vector<uint16_t> record(2 * ((vocab + 1) / 2) + 4);
    double worst = 0, meanError = 0, meanKld = 0;
    for (size_t r = 0; r + 1 < tokens.size(); ++r) {
        const std::span<const float> b(base.data() + r * vocab, vocab),
            m(model.data() + r * vocab, vocab);
        ql::BaselineCache::encode(b, record);
        const Exact exact = exactKld(b, m);
        const double cached = ql::comparePosition(m, record, tokens[r + 1]).kld;
        const double bound = std::expm1(eps) * exact.spread + eps * std::exp(eps) + exact.clamped;
        EXPECT_LE(std::abs(cached - exact.kld), bound) << "position " << r;
        worst = std::max(worst, std::abs(cached - exact.kld));
        meanError += std::abs(cached - exact.kld);
        meanKld += exact.kld;
    }
    meanError /= double(tokens.size() - 1);
    meanKld /= double(tokens.size() - 1);
    // What it costs: under 0.5% of Q4_0's own KL divergence (measured: 0.02%).
    EXPECT_LT(meanError, 0.005 * meanKld) << "worst " << worst << " mean KLD " << meanKld;
    std::cout << "[ cache ] mean |KLD error| " << meanError << ", worst " << worst
              << ", mean exact KLD " << meanKld << "\n";
}

std::filesystem::path writeJsonl(const ql::test::TempDir& dir) {
    const auto path = dir / "set.jsonl";
    std::ofstream(path)
        << R"({"id": "s1", "text": "Once upon a time, there was a little girl named Lily.", "slice": "short"}
{"id": "s2", "text": "Tom and Sam went to the park. They played with a red ball all day.", "slice": ["short", "play"]}
{"id": "s3", "text": "The sun was hot. Lily wanted to swim in the pond with her mom.", "slice": "play"}
)";
    return path;
}

TEST(EvalExamples, BaselineIsComputedOncePerSetVersion) {
    QL_REQUIRE_DATA();
    ql::test::TempDir dir;
    const auto wsPath = dir / "ws.quantlens";
    {
        ql::Workspace ws(wsPath);
        ql::EvalSettings settings;
        settings.nCtx = 64;
        ql::importEvalSet(ws, "mini", ql::readJsonlExamples(writeJsonl(dir)), settings, "set.jsonl",
                          "h");
    }
    const auto golden = ql::test::dataDir() / "golden";
    ql::EvalRequest r{wsPath,
                      "mini",
                      (golden / "stories260K-Q8_0.gguf").string(),
                      ql::test::stories260K().string(),
                      "",
                      2};
    ql::JobContext job;
    const ql::EvalOutcome q8 = ql::runEvaluation(r, job);
    EXPECT_FALSE(q8.baselineFromCache);
    EXPECT_EQ(q8.baselineWindowsEvaluated, 3); // one window per short example
    EXPECT_EQ(q8.variantWindowsEvaluated, 3);
    r.variant = (golden / "stories260K-Q4_0.gguf").string();
    const ql::EvalOutcome q4 = ql::runEvaluation(r, job);
    EXPECT_TRUE(q4.baselineFromCache);
    EXPECT_EQ(q4.baselineWindowsEvaluated, 0);
    EXPECT_EQ(q4.scorecardId, q8.scorecardId);
    ASSERT_FALSE(q4.summaries.empty());
    EXPECT_EQ(q4.summaries[0].slice, "all");
    EXPECT_EQ(q4.summaries[0].summary.examples, 3);
    EXPECT_GT(q4.summaries[0].summary.kld.mean, q8.summaries[0].summary.kld.mean);

    ql::Workspace ws(wsPath);
    const auto card = *ql::loadScorecard(ws, q4.scorecardId);
    EXPECT_EQ(card.name, "eval mini@v1");
    EXPECT_EQ(card.evalSetVersion.rfind(q4.version.label(), 0), 0u) << card.evalSetVersion;
    EXPECT_EQ(card.variants(),
              (std::vector<std::string>{"stories260K", "stories260K-Q8_0", "stories260K-Q4_0"}));
    const auto* base = card.find("stories260K", "kld", "play");
    ASSERT_NE(base, nullptr);
    EXPECT_EQ(base->score, 0.0);
    const auto* short4 = card.find("stories260K-Q4_0", "nll", "short");
    ASSERT_NE(short4, nullptr);
    EXPECT_EQ(short4->n, 2);
    const auto* all4 = card.find("stories260K-Q4_0", "same_top", "all");
    ASSERT_NE(all4, nullptr);
    EXPECT_EQ(all4->kind, ql::score::CellKind::Group);
    // Each example's ppl is exp of its nll.
    const auto* nll = card.find("stories260K-Q4_0", "nll", "all");
    const auto* ppl = card.find("stories260K-Q4_0", "ppl", "all");
    for (size_t i = 0; i < nll->examples.size(); ++i)
        EXPECT_DOUBLE_EQ(ppl->examples[i].value, std::exp(nll->examples[i].value));
}

TEST(EvalExamples, CancelledEvaluationStoresNothing) {
    QL_REQUIRE_DATA();
    ql::test::TempDir dir;
    const auto wsPath = dir / "ws.quantlens";
    {
        ql::Workspace ws(wsPath);
        ql::EvalSettings settings;
        settings.nCtx = 64;
        ql::importEvalSet(ws, "mini", ql::readJsonlExamples(writeJsonl(dir)), settings, "set.jsonl",
                          "h");
    }
    ql::EngineThread engine;
    std::atomic<bool> started{false};
    const uint64_t id = engine.submit("eval", [&](ql::JobContext& ctx) {
        started = true;
        while (!ctx.cancelRequested())
            std::this_thread::yield();
        ql::runEvaluation({wsPath, "mini", ql::test::stories260K().string(), "", "", 1}, ctx);
    });
    while (!started)
        std::this_thread::yield();
    engine.cancel(id);
    engine.waitIdle();
    EXPECT_EQ(engine.snapshot(id).status, ql::JobStatus::Cancelled);
    ql::Workspace ws(wsPath);
    EXPECT_TRUE(ql::scorecardList(ws).empty());
}

} // namespace
