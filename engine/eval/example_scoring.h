#pragma once
// Per-example scoring of an evaluation set: each example's windows (example_windows.h)
// run through the forward pass, every scored token's NLL and, against a baseline, its KL
// divergence, delta-p and top-1 agreement. Examples run on several threads, one window at
// a time per thread; progress is one step per window and cancellation is checked between
// windows.
#include "engine/eval/example_windows.h"
#include "engine/eval/llama_forward.h"

#include <cstdint>
#include <span>
#include <vector>

namespace ql {

class JobContext;

// The baseline's distributions for every scored token of every example, in
// BaselineCache's record encoding (llama-perplexity's compact log-probs: 2 bytes per
// vocabulary entry, log-probs more than 16 nats below the top clamped; see
// baseline_cache.h for the accuracy cost). Computed once per set version and baseline,
// stored in the workspace (evalset_store.h) and reused for every variant.
struct ExampleBaseline {
    struct Entry {
        std::vector<TokenId> tokens;   // the example's tokens, BOS first
        std::vector<uint16_t> records; // one record per scored token, in order
    };
    int32_t nVocab = 0;
    std::vector<Entry> entries; // one per example, in set order

    size_t recordSize() const { return size_t(2 * ((nVocab + 1) / 2) + 4); } // uint16s
    std::span<const uint16_t> record(size_t example, int64_t scoredIndex) const;
    uint64_t bytes() const;
};

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
