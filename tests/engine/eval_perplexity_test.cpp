// Perplexity and KL divergence of stories260K against llama-perplexity's own figures
// (golden/perplexity.csv). The full text runs in optimised builds; a Debug build runs a
// prefix and checks only what a prefix can show.
#include "engine/core/error.h"
#include "engine/eval/perplexity.h"
#include "engine/eval/text_file.h"
#include "engine/eval/tokenizer.h"
#include "engine/model/model.h"
#include "tests/common/csv.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <cmath>
#include <gtest/gtest.h>
#include <map>

namespace {

#ifdef NDEBUG
constexpr int64_t kMaxChunks = -1;
#else
constexpr int64_t kMaxChunks = 40;
#endif
constexpr bool kFullText = kMaxChunks < 0;

struct Stories {
    std::unique_ptr<ql::Model> model;
    ql::Tokenizer tokenizer;
    std::unique_ptr<ql::LlamaForward> forward;
    std::vector<ql::TokenId> textA;
};

// Loaded once: the model, its tokenizer and text A's tokens.
Stories& stories() {
    static Stories s = [] {
        Stories st;
        st.model = ql::Model::open(ql::test::stories260K());
        st.tokenizer = ql::Tokenizer::fromMetadata(st.model->metadata());
        st.forward = std::make_unique<ql::LlamaForward>(*st.model);
        st.textA = st.tokenizer.tokenize(
            ql::readEvalText(ql::test::dataDir() / "text" / "tinystories_valid_1-500.txt"));
        return st;
    }();
    return s;
}

ql::RunOptions options(int64_t nCtx);

// The F32 run at -c 128, with the baseline cache it records: shared by the PPL test and
// the KL-divergence test, as llama-perplexity's base run serves both.
struct BaseRun {
    ql::PerplexityResult ppl;
    std::optional<ql::BaselineCache> cache;
};

const BaseRun& baseC128() {
    static const BaseRun run = [] {
        BaseRun r;
        auto& s = stories();
        r.ppl =
            ql::computePerplexity(*s.forward, s.textA, s.tokenizer.bos(), options(128), &r.cache);
        return r;
    }();
    return run;
}

ql::RunOptions options(int64_t nCtx) {
    ql::RunOptions o;
    o.nCtx = nCtx;
    o.maxChunks = kMaxChunks;
    o.threads = 2;
    return o;
}

void expectRelative(double actual, double expected, double tolerance, const char* what) {
    EXPECT_NEAR(actual, expected, std::abs(expected) * tolerance) << what;
}

TEST(EvalPerplexity, ChunkPlanMatchesLlamaPerplexity) {
    EXPECT_EQ(ql::planChunks(203969, 128).nChunks, 1593);
    EXPECT_EQ(ql::planChunks(203969, 256).nChunks, 796);
    EXPECT_EQ(ql::planChunks(199487, 128).nChunks, 1558);
    EXPECT_EQ(ql::planChunks(199487, 256).nChunks, 779);
    EXPECT_EQ(ql::planChunks(203969, 128).scoredTokens(), 100359);
    EXPECT_EQ(ql::planChunks(203969, 256).scoredTokens(), 101092);
    EXPECT_THROW(ql::planChunks(100, 128), ql::Error);
}

TEST(EvalPerplexity, Stories260KTextAContext128) {
    QL_REQUIRE_DATA();
    const auto& r = baseC128().ppl;
    if (!kFullText)
        GTEST_SKIP() << "prefix only in a Debug build: PPL " << r.ppl;
    EXPECT_EQ(r.plan.nChunks, 1593);
    EXPECT_EQ(r.plan.scoredTokens(), 100359);
    expectRelative(r.ppl, 6.2733, 2e-4, "PPL");
    expectRelative(r.pplError, 0.05977, 2e-3, "PPL error");
}

TEST(EvalPerplexity, Stories260KTextAContext256) {
    QL_REQUIRE_DATA();
    auto& s = stories();
    const auto r = ql::computePerplexity(*s.forward, s.textA, s.tokenizer.bos(), options(256));
    if (!kFullText)
        GTEST_SKIP() << "prefix only in a Debug build: PPL " << r.ppl;
    EXPECT_EQ(r.plan.nChunks, 796);
    EXPECT_EQ(r.plan.scoredTokens(), 101092);
    expectRelative(r.ppl, 6.7943, 2e-4, "PPL");
    expectRelative(r.pplError, 0.06531, 2e-3, "PPL error");
}

TEST(EvalPerplexity, Q8_0KlDivergenceAgainstF32Base) {
    QL_REQUIRE_DATA();
    auto& s = stories();
    const auto& base = baseC128().cache;
    const auto q8Model = ql::Model::open(ql::test::dataDir() / "golden" / "stories260K-Q8_0.gguf");
    const ql::LlamaForward q8(*q8Model);
    const auto r = ql::computeKlDivergence(q8, *base, s.tokenizer.bos(), options(128));
    if (!kFullText)
        GTEST_SKIP() << "prefix only in a Debug build: mean KLD " << r.kld.mean;
    EXPECT_EQ(r.count, 100359);
    expectRelative(r.ppl, 6.287816, 5e-4, "PPL(Q)");
    expectRelative(r.pplBase, 5.871268, 2e-4, "PPL(base) from the clamped cache");
    expectRelative(r.kld.mean, 0.000946, 0.02, "mean KLD");
    expectRelative(r.kldPercentiles.median, 0.000546, 0.02, "median KLD");
    expectRelative(r.kldPercentiles.p99, 0.007324, 0.02, "99% KLD");
    expectRelative(r.kldPercentiles.p999, 0.021456, 0.03, "99.9% KLD");
    expectRelative(r.kldPercentiles.max, 0.155555, 0.10, "max KLD");
    expectRelative(r.rmsDeltaP * 100, 0.965, 0.02, "RMS dp");
    expectRelative(r.sameTop * 100, 98.226, 0.002, "same top p");
    // The comparison lines, pinned against the golden row: ln ratio and its error as
    // printed; correlation, ratio and difference worked from that row's figures
    // (cov = (a^2 + b^2 - u^2) / 2 with a = 0.059903 / 6.287816, b = 0.047686 / 5.871268
    // and u = 0.002157, the relative errors and the ln ratio's error): Cor = cov / (a b)
    // = 98.269 %, ratio = e^0.068543 = 1.070947 ± 1.070947 u, difference 0.416548 ±
    // sqrt(0.059903^2 + 0.047686^2 - 2 * 6.287816 * 5.871268 * cov) = 0.015753.
    const ql::PplComparison& c = r.comparison;
    EXPECT_NEAR(c.lnRatio, 0.068543, 6e-4) << "ln(PPL(Q)/PPL(base))";
    expectRelative(c.lnRatioError, 0.002157, 0.02, "its error");
    EXPECT_NEAR(100 * c.nllCorrelation, 98.269, 0.05) << "Cor(ln(PPL(Q)), ln(PPL(base)))";
    EXPECT_NEAR(c.ratio, 1.070947, 6e-4) << "PPL(Q)/PPL(base)";
    expectRelative(c.ratioError, 0.002310, 0.02, "its error");
    EXPECT_NEAR(c.difference, 0.416548, 4e-3) << "PPL(Q)-PPL(base)";
    expectRelative(c.differenceError, 0.015753, 0.02, "its error");
}

// llama.cpp's README table of Meta-Llama-3-8B FP16 against its BF16 base
// (reference/llama3_8b_bf16_vs_fp16_stats.csv). The two perplexities with their errors
// and the ln ratio's error fix the covariance of the per-token NLLs; the correlation,
// ratio and difference printed there must follow from it.
TEST(EvalPerplexity, ComparisonFollowsLlamaPerplexityReadme) {
    QL_REQUIRE_DATA();
    std::map<std::string, std::pair<double, double>> printed;
    for (const auto& row :
         ql::test::readCsv(ql::test::dataDir() / "reference" / "llama3_8b_bf16_vs_fp16_stats.csv"))
        printed[row.at("metric")] = {std::stod(row.at("value")),
                                     row.at("err").empty() ? 0.0 : std::stod(row.at("err"))};
    const auto [ppl, pplError] = printed.at("Mean PPL(Q)");
    const auto [pplBase, pplBaseError] = printed.at("Mean PPL(base)");
    const double u = printed.at("Mean ln(PPL(Q)/PPL(base))").second;
    const ql::MeanError nll{std::log(ppl), pplError / ppl};
    const ql::MeanError nllBase{std::log(pplBase), pplBaseError / pplBase};
    const double cov = (nll.error * nll.error + nllBase.error * nllBase.error - u * u) / 2;
    const ql::PplComparison c = ql::comparePerplexities(nll, nllBase, cov);
    // Within the rounding of the printed inputs (six decimals).
    EXPECT_NEAR(c.lnRatio, printed.at("Mean ln(PPL(Q)/PPL(base))").first, 1e-6);
    EXPECT_NEAR(100 * c.nllCorrelation, printed.at("Cor(ln(PPL(Q)), ln(PPL(base)))").first, 5e-4);
    EXPECT_NEAR(c.ratio, printed.at("Mean PPL(Q)/PPL(base)").first, 1e-6);
    EXPECT_NEAR(c.ratioError, printed.at("Mean PPL(Q)/PPL(base)").second, 1e-6);
    EXPECT_NEAR(c.difference, printed.at("Mean PPL(Q)-PPL(base)").first, 1e-6);
    // The difference's error subtracts two nearly equal terms, which magnifies the
    // inputs' rounding: 0.000537 from them against 0.000536 printed.
    EXPECT_NEAR(c.differenceError, printed.at("Mean PPL(Q)-PPL(base)").second, 2e-6);
}

TEST(EvalPerplexity, SelfCheckGivesZeroDivergence) {
    QL_REQUIRE_DATA();
    auto& s = stories();
    auto o = options(128);
    o.maxChunks = 8;
    std::optional<ql::BaselineCache> base;
    const auto p = ql::computePerplexity(*s.forward, s.textA, s.tokenizer.bos(), o, &base);
    const auto r = ql::computeKlDivergence(*s.forward, *base, s.tokenizer.bos(), o);
    EXPECT_LT(r.kld.mean, 1e-6);
    EXPECT_GT(r.sameTop, 0.999);
    EXPECT_NEAR(r.ppl, p.ppl, 1e-4 * p.ppl);
}

TEST(EvalPerplexity, BaselineCacheRoundTripsThroughLlamaCppLayout) {
    QL_REQUIRE_DATA();
    auto& s = stories();
    auto o = options(128);
    o.maxChunks = 3;
    std::optional<ql::BaselineCache> base;
    ql::computePerplexity(*s.forward, s.textA, s.tokenizer.bos(), o, &base);
    ql::test::TempDir dir;
    const auto path = dir.path() / "base.kld";
    base->save(path);
    EXPECT_EQ(std::filesystem::file_size(path), base->bytes());
    // 8 magic + 12 header + 3*128 tokens * 4 + 3*63 records * (512 + 4) * 2
    EXPECT_EQ(base->bytes(), 8u + 12u + 3u * 128u * 4u + 3u * 63u * 516u * 2u);
    const auto loaded = ql::BaselineCache::load(path);
    EXPECT_EQ(loaded.plan().nChunks, 3);
    EXPECT_EQ(loaded.vocabSize(), 512);
    const std::span<const uint16_t> a = base->record(2, 62), b = loaded.record(2, 62);
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin()));
    EXPECT_THROW(ql::BaselineCache::load(dir.path() / "missing.kld"), ql::Error);
}

} // namespace
