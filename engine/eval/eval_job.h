#pragma once
// Scoring one variant on one evaluation set version into a workspace scorecard: the
// whole job the CLI's `eval` and the workbench run. The baseline's distributions are
// computed once per set version and baseline (then read from the workspace), so a second
// variant costs one forward pass over the set, not two.
#include "engine/eval/example_summary.h"
#include "engine/store/evalset_store.h"

#include <filesystem>
#include <string>

namespace ql {

class JobContext;

struct EvalRequest {
    std::filesystem::path workspace;
    std::string set;         // NAME or NAME@VERSION
    std::string variant;     // model file, or workspace variant id / format
    std::string baseVariant; // the same; empty: a workspace variant's source model, else none
    std::string scorecard;   // empty: "eval <set>@v<version>"
    int threads = 0;
};

struct EvalOutcome {
    EvalSetVersion version;
    std::string variantLabel, baseLabel; // baseLabel empty without a baseline
    std::string scorecardName;
    int64_t scorecardId = 0;
    std::vector<SliceSummary> summaries; // the variant's, "all" first
    bool baselineFromCache = false;
    int64_t baselineWindowsEvaluated = 0; // forward passes spent on the baseline: 0 if cached
    int64_t variantWindowsEvaluated = 0;
    int64_t tokensEvaluated = 0; // by the variant's pass
    uint64_t baselineBytes = 0;
    int64_t examplesScored = 0; // examples with at least one scored token
};

// Throws ql::Error (bad set, variant, tokenizer mismatch) or ql::Cancelled. The workspace
// gets the scorecard only when the variant was scored completely; a baseline that was
// computed completely stays cached either way.
EvalOutcome runEvaluation(const EvalRequest& request, JobContext& job);

} // namespace ql
