#pragma once
// A scorecard read against its baseline: every non-baseline cell compared with the
// baseline's cell of the same dimension and slice, and the computed aggregates. This is
// what the CLI's `scorecard` command prints and what views will draw.
#include "engine/score/scorecard.h"
#include "engine/score/stats.h"

#include <nlohmann/json.hpp>
#include <optional>

namespace ql::score {

struct CellReport {
    const ScoreCell* cell = nullptr;
    std::optional<Comparison> vsBaseline; // none for the baseline itself or without one
};

struct ScorecardReport {
    std::vector<CellReport> cells;
    int comparisons = 0;
};

ScorecardReport compareScorecard(const Scorecard& card, const StatsOptions& options = {});
nlohmann::json scorecardJson(const Scorecard& card, const StatsOptions& options = {});

} // namespace ql::score
