#pragma once
// Workspace queries for scorecards, gate policies and verdicts, and release decisions.
// Tables come from the "scorecards, gates and decisions (score)" migration; decisions
// are append-only there (triggers raise on UPDATE and DELETE).
#include "engine/score/decision.h"
#include "engine/score/gate.h"
#include "engine/score/scorecard.h"
#include "engine/store/workspace.h"

#include <optional>
#include <vector>

namespace ql {

// A scorecard with its cells and per-example results, in one transaction. Returns its id.
int64_t addScorecard(Workspace& ws, const score::Scorecard& card);
// Adds the variants of `incoming` to scorecard `id` after score::checkCanMerge.
void mergeIntoScorecard(Workspace& ws, int64_t id, const score::Scorecard& incoming);
// Header fields only (no cells), newest last.
std::vector<score::Scorecard> scorecardList(const Workspace& ws);
// Cells and examples included; nullopt when there is no such scorecard.
std::optional<score::Scorecard> loadScorecard(const Workspace& ws, int64_t id);

// Same body -> the existing id, so re-running a gate does not duplicate its policy.
int64_t addGatePolicy(Workspace& ws, const std::string& name, const std::string& body);

struct StoredVerdict {
    int64_t id = 0;
    int64_t policyId = 0;
    int64_t scorecardId = 0;
    std::string variant;
    std::string verdict;
    int comparisons = 0;
    std::string reasonsJson;
    std::string createdAt;
};
void addGateVerdicts(Workspace& ws, int64_t policyId, int64_t scorecardId,
                     const score::GateResult& result);
std::vector<StoredVerdict> gateVerdicts(const Workspace& ws, int64_t scorecardId);

// Appends a decision. Unless `d.supersedes` is set, it supersedes the subject's current
// decision, if there is one. Returns the new id.
int64_t addDecision(Workspace& ws, const score::Decision& d);
// Every decision, oldest first, with supersededBy filled in.
std::vector<score::Decision> decisions(const Workspace& ws);
// The subject's decision that nothing supersedes.
std::optional<score::Decision> currentDecision(const Workspace& ws, const std::string& subject);

} // namespace ql
