#pragma once
// Per-example scoring of an evaluation set: each example's windows (example_windows.h)
// run through the forward pass, every scored token's NLL and, against a baseline, its KL
// divergence, delta-p and top-1 agreement. Examples run on several threads, one window at
// a time per thread; progress is one step per window and cancellation is checked between
// windows.
#include "engine/eval/baseline_cache.h"
#include "engine/eval/example_windows.h"
#include "engine/eval/llama_forward.h"
#include "engine/eval/perplexity.h"

#include <cstdint>
#include <span>
#include <vector>

namespace ql {

class JobContext;

// The baseline's distributions for every scored token of every example, computed once
// per set version and baseline, stored in the workspace (evalset_store.h) and reused
// for every variant. The set's EvalSettings::baselineTopK picks the record:
//  topK == 0: BaselineCache's record (llama-perplexity's compact log-probs: 2 bytes per
//    vocabulary entry, log-probs more than 16 nats below the top clamped; see
//    baseline_cache.h for the accuracy cost).
//  topK > 0: a top-k record (encodeTopKRecord below): the min(k, n_vocab) most probable
//    tokens with the tail bucket, KL divergence a lower bound of the full one
//    (topKKlDivergence), plus the correct token's own log-prob, so that delta-p stays
//    exact when that token is outside the top k. Top-1 agreement compares with the
//    first kept token, the baseline's argmax.
struct ExampleBaseline {
    struct Entry {
        std::vector<TokenId> tokens;   // the example's tokens, BOS first
        std::vector<uint16_t> records; // one record per scored token, in order
    };
    int32_t nVocab = 0;
    int32_t topK = 0;           // 0: full records
    std::vector<Entry> entries; // one per example, in set order

    size_t recordSize() const; // in uint16
    std::span<const uint16_t> record(size_t example, int64_t scoredIndex) const;
    uint64_t bytes() const;
};

// Top-k record layout, in uint16 words (4-byte fields in native byte order, as
// BaselineCache's): float tail log-prob, float log-prob of the correct token, then
// kept x int32 ids and kept x float log-probs, most probable first;
// kept = min(k, n_vocab), 4 * kept + 4 words (8k + 8 bytes: 264 at k = 32).
size_t topKRecordSize(int32_t k, int32_t nVocab);
void encodeTopKRecord(std::span<const float> logits, int32_t k, TokenId correct,
                      std::span<uint16_t> record);
TopKDistribution decodeTopKRecord(std::span<const uint16_t> record);
// A variant's logits against a top-k record: NLL as comparePosition computes it, KL
// divergence on the top-k partition, delta-p from the stored correct-token log-prob,
// top-1 agreement with the first kept id. nllBase is that stored log-prob, negated.
PositionKl compareTopKPosition(std::span<const float> logits, std::span<const uint16_t> record,
                               TokenId token);

// Per scored token of one example; kld, deltaP and sameTop stay empty without a baseline.
struct ExampleTokenScores {
    std::vector<double> nll, kld, deltaP;
    std::vector<uint8_t> sameTop;
    int64_t scored() const { return int64_t(nll.size()); }
};

struct ExampleRunOptions {
    EvalSettings settings;
    int threads = 0;           // 0: defaultThreadCount()
    JobContext* job = nullptr; // progress (one step per window) and cancellation
};

struct ExampleRun {
    std::vector<ExampleTokenScores> examples; // in set order
    int64_t windowsEvaluated = 0;             // forward passes run
    int64_t tokensEvaluated = 0;              // tokens through the forward pass
};

// Scores examples (their tokens, BOS first) on their own; with record, the model's
// distributions are kept there as the baseline for later variants.
ExampleRun scoreExamples(const LlamaForward& model, std::span<const std::vector<TokenId>> tokens,
                         TokenId bos, const ExampleRunOptions& options,
                         ExampleBaseline* record = nullptr);

// Scores a variant on the baseline's own tokens against its recorded distributions.
ExampleRun scoreExamplesAgainst(const LlamaForward& model, const ExampleBaseline& base, TokenId bos,
                                const ExampleRunOptions& options);

} // namespace ql
