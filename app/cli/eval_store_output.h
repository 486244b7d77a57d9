#pragma once
// perplexity --workspace: built-in evaluator results stored as a scorecard, so that
// `scorecard` and `gate` read them like imported ones.
#include "engine/eval/perplexity.h"

#include <optional>
#include <string>

namespace ql::cli {

struct EvalStoreRequest {
    std::string workspace;
    std::string scorecard; // name; results merge into an existing one of that name
    std::string variant;   // label of the scored model
    std::string baseVariant;
    std::string slice;
    std::string textPath;
    std::string modelPath;
};

// Returns the scorecard id. base is set when a baseline was scored (KL divergence run).
int64_t storeEvalScorecard(const EvalStoreRequest& request, const PerplexityResult* base,
                           const PerplexityResult* alone, const KlDivergenceResult* kl);

} // namespace ql::cli
