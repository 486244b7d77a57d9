// The baseline encoding as an evaluator setting (EvalSettings::baselineTopK): default
// settings keep the hashes they had before the setting existed, a top-k record scores
// delta-p exactly even when the correct token is outside the top k, and on stories260K a
// set kept at top-32 scores Q4_0 against F32 as the same set kept in full records.
#include "engine/core/error.h"
#include "engine/eval/eval_job.h"
#include "engine/eval/eval_set_import.h"
#include "engine/eval/example_scoring.h"
#include "engine/eval/text_file.h"
#include "engine/jobs/engine_thread.h"
#include "engine/store/evalset_store.h"
#include "engine/store/score_store.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <cmath>
#include <gtest/gtest.h>
#include <iostream>

namespace {

using namespace ql;

const std::vector<EvalExample> kExamples = {{"s1", "Once upon a time.", {"short"}, ""},
                                            {"s2", "Tom ran.", {}, "dim"}};

// Pinned from the code before baseline_top_k existed (commit eecd9d1): the default
// settings' JSON text and the content hashes of kExamples under two settings.
TEST(BaselineTopKSetting, DefaultSettingsKeepTheirHashes) {
    EvalSettings s;
    EXPECT_EQ(
        settingsJson(s),
        R"({"bos":"bos-first-in-every-window","n_ctx":512,"scoring":"document","tokenizer":""})");
    const std::string examples = examplesHash(kExamples);
    EXPECT_EQ(examples, "e311e401cd675cbd");
    EXPECT_EQ(evalSetContentHash(examples, settingsJson(s)), "db53a74fe34b8780");
    s.nCtx = 64;
    s.scoring = ExampleScoring::LlamaPerplexity;
    s.tokenizer = "abc";
    EXPECT_EQ(evalSetContentHash(examples, settingsJson(s)), "c89f373ff575c24a");
}

TEST(BaselineTopKSetting, TopKIsPartOfTheVersion) {
    EvalSettings s;
    s.baselineTopK = 32;
    const std::string json = settingsJson(s);
    EXPECT_NE(json.find(R"("baseline_top_k":32)"), std::string::npos) << json;
    EXPECT_NE(evalSetContentHash(examplesHash(kExamples), json), "db53a74fe34b8780");
    EXPECT_EQ(settingsFromJson(json).baselineTopK, 32);
    EXPECT_EQ(settingsFromJson(settingsJson(EvalSettings{})).baselineTopK, 0);
    s.baselineTopK = -1;
    EXPECT_THROW(settingsFromJson(settingsJson(s)), Error);
    EXPECT_THROW(checkBaselineTopK(kMaxBaselineTopK + 1), Error);

    test::TempDir dir;
    Workspace ws(dir / "ws.quantlens");
    const auto full = importEvalSet(ws, "set", kExamples, EvalSettings{}, "f", "h");
    s.baselineTopK = 8;
    const auto top8 = importEvalSet(ws, "set", kExamples, s, "f", "h");
    EXPECT_TRUE(top8.created);
    EXPECT_EQ(top8.version.version, 2);
    EXPECT_EQ(full.version.contentHash, "db53a74fe34b8780");
    EXPECT_EQ(findEvalSetVersion(ws, "set@2").settings.baselineTopK, 8);
}

// P = (0.4, 0.3, 0.15, 0.1, 0.05), k = 2, the correct token the least probable (id 4),
// Q = (0.25, 0.25, 0.2, 0.2, 0.1). KL on the partition {0}, {1}, {2, 3, 4}; delta-p and
// the baseline NLL from the stored log-prob of token 4, which the top 2 do not hold.
TEST(BaselineTopKSetting, CorrectTokenOutsideTheTopK) {
    const auto logs = [](std::vector<double> p) {
        std::vector<float> out;
        for (double x : p)
            out.push_back(float(std::log(x)));
        return out;
    };
    const auto p = logs({0.4, 0.3, 0.15, 0.1, 0.05});
    const auto q = logs({0.25, 0.25, 0.2, 0.2, 0.1});
    std::vector<uint16_t> record(topKRecordSize(2, 5));
    EXPECT_EQ(record.size() * 2, 24u); // 8k + 8 bytes
    encodeTopKRecord(p, 2, 4, record);
    const TopKDistribution d = decodeTopKRecord(record);
    EXPECT_EQ(d.ids, (std::vector<int32_t>{0, 1}));
    EXPECT_NEAR(std::exp(d.tailLogProb), 0.3, 1e-6);
    const PositionKl k = compareTopKPosition(q, record, 4);
    const double kld =
        0.4 * std::log(0.4 / 0.25) + 0.3 * std::log(0.3 / 0.25) + 0.3 * std::log(0.3 / 0.5);
    EXPECT_NEAR(k.kld, kld, 1e-6);
    EXPECT_NEAR(k.deltaP, 0.1 - 0.05, 1e-6);
    EXPECT_NEAR(k.nllBase, -std::log(0.05), 1e-6);
    EXPECT_NEAR(k.nll, -std::log(0.1), 1e-6);
    EXPECT_TRUE(k.sameTop);
    EXPECT_FALSE(compareTopKPosition(logs({0.1, 0.5, 0.2, 0.1, 0.1}), record, 4).sameTop);

    // The same position against the full uint16 record: the variant's NLL to the bit,
    // delta-p to the record's rounding, top-1 agreement the same.
    std::vector<uint16_t> fullRecord(2 * 3 + 4);
    BaselineCache::encode(p, fullRecord);
    const PositionKl full = comparePosition(q, fullRecord, 4);
    EXPECT_EQ(k.nll, full.nll);
    EXPECT_NEAR(k.deltaP, full.deltaP, 1e-4);
    EXPECT_EQ(k.sameTop, full.sameTop);
    EXPECT_LE(k.kld, full.kld + 1e-6); // a lower bound
}

// The first `count` stories of text A as examples.
std::vector<EvalExample> firstStories(size_t count) {
    auto all = splitSeparatedExamples(
        readEvalText(test::dataDir() / "text" / "tinystories_valid_1-500.txt"), "<|endoftext|>");
    all.resize(count);
    return all;
}

EvalOutcome evaluate(const std::filesystem::path& ws, const std::string& set,
                     const char* variant = "stories260K-Q4_0.gguf") {
    const auto golden = test::dataDir() / "golden";
    JobContext job;
    return runEvaluation(
        {ws, set, (golden / variant).string(), test::stories260K().string(), "", 2}, job);
}

TEST(BaselineTopKSetting, Stories260KTop32MatchesTheFullRecord) {
    QL_REQUIRE_DATA();
    test::TempDir dir;
    const auto wsPath = dir / "ws.quantlens";
    const auto examples = firstStories(24);
    {
        Workspace ws(wsPath);
        EvalSettings settings;
        settings.nCtx = 128;
        importEvalSet(ws, "full", examples, settings, "a.txt", "h");
        settings.baselineTopK = 32;
        importEvalSet(ws, "top32", examples, settings, "a.txt", "h");
    }
    const EvalOutcome full = evaluate(wsPath, "full");
    const EvalOutcome top = evaluate(wsPath, "top32");
    ASSERT_EQ(full.summaries[0].slice, "all");
    const TokenSummary &f = full.summaries[0].summary, &t = top.summaries[0].summary;
    ASSERT_EQ(f.tokens, t.tokens);
    ASSERT_GT(f.tokens, 2000);
    // Top-32 KLD is a lower bound: at most the full record's (to its rounding), and
    // within 5% of it.
    EXPECT_LE(t.kld.mean, f.kld.mean * 1.001);
    EXPECT_GT(t.kld.mean, 0.95 * f.kld.mean);
    EXPECT_EQ(t.nll.mean, f.nll.mean);
    EXPECT_EQ(t.sameTop, f.sameTop);
    EXPECT_NEAR(t.deltaP.mean, f.deltaP.mean, 1e-4);
    // Per scored token 8 * 32 + 8 bytes against 2 * 512 + 8; the tokens are kept alike.
    EXPECT_EQ(full.baselineBytes - top.baselineBytes, uint64_t(1032 - 264) * uint64_t(f.tokens));
    std::cout << "[ top-32 ] mean KLD " << t.kld.mean << " vs full " << f.kld.mean << " ("
              << 100.0 * (t.kld.mean / f.kld.mean - 1) << "%), same top " << t.sameTop
              << ", baseline bytes " << top.baselineBytes << " vs " << full.baselineBytes << "\n";

    // Per example, in the scorecards: top-1 agreement and NLL identical.
    Workspace ws(wsPath);
    const auto fullCard = *loadScorecard(ws, full.scorecardId);
    const auto topCard = *loadScorecard(ws, top.scorecardId);
    for (const char* metric : {"same_top", "nll"}) {
        const auto* a = fullCard.find(full.variantLabel, metric, "all");
        const auto* b = topCard.find(top.variantLabel, metric, "all");
        ASSERT_NE(a, nullptr);
        ASSERT_NE(b, nullptr);
        ASSERT_EQ(a->examples.size(), examples.size());
        ASSERT_EQ(b->examples.size(), examples.size());
        for (size_t i = 0; i < examples.size(); ++i)
            EXPECT_EQ(a->examples[i].value, b->examples[i].value) << metric << " example " << i;
    }

    // The cached top-k baseline is read back as top-k: a second variant reuses it, and
    // Q8_0 is closer to F32 than Q4_0 under it too.
    const EvalOutcome q8 = evaluate(wsPath, "top32", "stories260K-Q8_0.gguf");
    EXPECT_TRUE(q8.baselineFromCache);
    EXPECT_EQ(q8.baselineBytes, top.baselineBytes);
    EXPECT_LT(q8.summaries[0].summary.kld.mean, t.kld.mean);
}

} // namespace
