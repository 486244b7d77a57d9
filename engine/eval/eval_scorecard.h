#pragma once
// Built-in evaluator results in the same form as imported ones, so the same statistics
// and gates read them. The examples are llama-perplexity's chunks (independent
// sequences), each valued by its mean over its scored tokens; paired statistics pair a
// variant's chunk with the baseline's same chunk.
//
// Dimensions: "nll" (mean negative log-likelihood per token, nats; lower is better),
// "kld" (mean KL divergence from the baseline; lower is better; 0 for the baseline
// itself) and "same_top" (share of positions whose top token agrees with the baseline;
// 1 for the baseline itself).
#include "engine/eval/perplexity.h"
#include "engine/score/scorecard.h"

#include <string>
#include <vector>

namespace ql {

std::vector<score::ScoreCell> baselineCells(const std::string& variant, const std::string& slice,
                                            const PerplexityResult& result);
std::vector<score::ScoreCell> klDivergenceCells(const std::string& variant,
                                                const std::string& slice,
                                                const KlDivergenceResult& result);

// The evaluation set version: the text's content hash and the chunking that scored it.
std::string perplexityEvalSetVersion(const std::string& textHash, int64_t nCtx, int64_t nChunks);

} // namespace ql
