#pragma once
// Summaries of per-example scores with llama-perplexity's statistics, per slice and over
// all examples, and the scorecard cells that hold the per-example values.
//
// Summaries pool the scored tokens of the examples they cover, as llama-perplexity pools
// a text's tokens: PPL = exp(mean NLL over tokens), means with their standard error,
// percentiles and maximum of the per-token KL divergence and delta-p. Scorecard cells hold
// one value per example (its mean over its own tokens), so that gates pair a variant's
// example with the baseline's; a cell's score is the mean over examples.
#include "engine/eval/eval_stats.h"
#include "engine/eval/example_scoring.h"
#include "engine/score/scorecard.h"

#include <optional>
#include <string>
#include <vector>

namespace ql {

struct TokenSummary {
    int64_t examples = 0;
    int64_t tokens = 0;
    MeanError nll;
    double ppl = 0, pplError = 0;
    bool hasBaseline = false;
    MeanError kld;
    Percentiles kldPercentiles;
    MeanError deltaP;
    Percentiles deltaPPercentiles;
    double rmsDeltaP = 0;
    double sameTop = 0, sameTopError = 0;
};

// Over the examples listed (indices into scores); examples with no scored token add nothing.
TokenSummary summarizeTokens(const std::vector<ExampleTokenScores>& scores,
                             const std::vector<size_t>& examples);

struct SliceSummary {
    std::string slice; // "all" for every example
    TokenSummary summary;
};
// "all" first, then each slice in first-seen order.
std::vector<SliceSummary> summarizeSlices(const std::vector<EvalExample>& examples,
                                          const std::vector<ExampleTokenScores>& scores);

// Cells per metric ("nll", "ppl", and with a baseline "kld", "delta_p", "same_top"),
// prefixed by an example's dimension when it has one ("fluency.nll"), per slice and "all".
// "all" is a Group cell when the set has slices, else the only Slice cell. asBaseline:
// the variant is the baseline itself, whose kld/delta_p are 0 and same_top 1 by definition.
std::vector<score::ScoreCell> exampleCells(const std::string& variant,
                                           const std::vector<EvalExample>& examples,
                                           const std::vector<ExampleTokenScores>& scores,
                                           bool asBaseline);

} // namespace ql
