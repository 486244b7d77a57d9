#pragma once
// Perplexity and KL divergence exactly as llama.cpp's llama-perplexity computes them
// (see shared/data/golden/NOTES.md §1-3): consecutive chunks of n_ctx tokens, each an
// independent sequence whose first token is replaced by BOS, the second half scored.
#include "engine/eval/baseline_cache.h"
#include "engine/eval/chunks.h"
#include "engine/eval/eval_stats.h"

#include <optional>
#include <vector>

namespace ql {

// -log softmax(logits)[token], with the sum of exponentials in double.
double tokenNll(std::span<const float> logits, TokenId token);

// One scored position against its baseline record (golden/NOTES.md §3): KL divergence,
// delta-p of the correct token, both NLLs, and whether the top tokens agree.
struct PositionKl {
    double kld, deltaP, nll, nllBase;
    bool sameTop;
};
PositionKl comparePosition(std::span<const float> logits, std::span<const uint16_t> record,
                           TokenId token);

struct PerplexityResult {
    ChunkPlan plan;
    MeanError nll;                // mean negative log-likelihood per scored token (nats)
    double ppl = 0;               // exp(nll.mean)
    double pplError = 0;          // ppl * nll.error, llama-perplexity's "±"
    std::vector<double> tokenNll; // per scored token, chunk by chunk
};

// Scores tokens (BOS first, as the tokenizer returns them for a whole text). With
// record, the baseline's distributions are kept there for later KL divergence runs.
PerplexityResult computePerplexity(const LlamaForward& model, std::span<const TokenId> tokens,
                                   TokenId bos, const RunOptions& options,
                                   std::optional<BaselineCache>* record = nullptr);

// llama-perplexity's "Perplexity statistics" of a model against its baseline, from the
// two per-token NLL series: their correlation, and the log ratio, ratio and difference
// of the two perplexities, each with its error propagated through the covariance
// (a shared hard token moves both NLLs, so the difference is surer than either).
struct PplComparison {
    double nllCorrelation = 0; // Pearson, "Cor(ln(PPL(Q)), ln(PPL(base)))"
    double lnRatio = 0, lnRatioError = 0;
    double ratio = 0, ratioError = 0;
    double difference = 0, differenceError = 0;
};
// nllCovariance: the covariance of the two means, cov(nll, nllBase) / (N - 1), in the
// same units as MeanError::error squared.
PplComparison comparePerplexities(const MeanError& nll, const MeanError& nllBase,
                                  double nllCovariance);

struct KlDivergenceResult {
    ChunkPlan plan;
    int64_t count = 0;
    MeanError nll, nllBase;
    double ppl = 0, pplError = 0;
    double pplBase = 0, pplBaseError = 0; // from the clamped baseline log-probs
    PplComparison comparison;
    MeanError kld;
    Percentiles kldPercentiles;
    MeanError deltaP; // p(token) under the model minus under the baseline
    Percentiles deltaPPercentiles;
    double rmsDeltaP = 0, rmsDeltaPError = 0;
    double sameTop = 0, sameTopError = 0; // fraction of positions whose argmax agrees
    // Per scored token, chunk by chunk: for per-example scoring.
    std::vector<double> tokenKld, tokenDeltaP, tokenNll;
    std::vector<uint8_t> tokenSameTop;
};

// Evaluates the model on the baseline's own tokens and compares distributions.
// options.nCtx is ignored (the baseline fixes it); options.maxChunks limits the chunks.
KlDivergenceResult computeKlDivergence(const LlamaForward& model, const BaselineCache& base,
                                       TokenId bos, const RunOptions& options);

} // namespace ql
