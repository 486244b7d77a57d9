#pragma once
// Everything a release-decision report shows, gathered from a workspace into plain values:
// provenance (models and their hashes, variants with format, method, parameters, tool
// version and backend; scorecards with source hash, evaluator and evaluation set
// version), each scorecard compared against its baseline, the last gate run on it with
// its reasons, the decision history and, when asked, the VRAM fit of each variant.
// Renderers (ui/report_*) only read this; they compute nothing.
#include "engine/fit/fit.h"
#include "engine/score/decision.h"
#include "engine/score/gate.h"
#include "engine/score/report.h"
#include "engine/store/workspace.h"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ql::report {

// One reason of a stored verdict, read back from its JSON.
struct ReasonRow {
    std::string severity; // "fail", "inconclusive"
    std::string dimension;
    std::string slice;
    std::string message;
    std::optional<double> adjustedP; // when the policy asked for an adjustment
};

struct VerdictRow {
    std::string variant;
    std::string verdict; // "pass", "fail", "inconclusive"
    std::vector<ReasonRow> reasons;
};

// The last gate run on a scorecard: the policy (name and JSON body) and one verdict per
// gated variant.
struct GateRun {
    int64_t policyId = 0;
    std::string policyName;
    std::string policyBody;
    std::string createdAt;
    int comparisons = 0;
    std::vector<VerdictRow> verdicts;
};

// How the last gate run judged one cell: its limit in score units, the reason when it
// failed or was inconclusive there, and whether the delta is significant at the policy's
// confidence (adjusted p when the policy adjusted, else p, else the CI excluding 0).
struct CellGate {
    bool gated = false;          // the variant was gated in the last run
    std::optional<double> limit; // the regression limit here; none: not gated here
    const ReasonRow* reason = nullptr;
    std::optional<bool> significant; // none: no n or stderr to judge by
};

// One cell with its comparison against the baseline. A copy, not a pointer into the
// scorecard, so that a report may be copied and moved freely.
struct ReportCell {
    std::string variant, dimension, slice;
    score::CellKind kind = score::CellKind::Slice;
    double score = 0.0;
    int64_t n = 0;
    std::optional<double> stdError;
    std::optional<score::Comparison> vsBaseline; // none for the baseline itself
};

struct ScorecardSection {
    score::Scorecard card;             // header and cells
    std::vector<std::string> variants; // baseline first
    std::vector<ReportCell> cells;     // compared at the gate policy's confidence
    int comparisons = 0;
    std::optional<GateRun> gate;
    std::optional<score::GatePolicy> policy; // the last gate run's, parsed

    CellGate cellGate(const std::string& variant, const std::string& dimension,
                      const std::string& slice) const;

    // The cell of (variant, dimension, slice) with its comparison; null when absent.
    const ReportCell* find(const std::string& variant, const std::string& dimension,
                           const std::string& slice) const;
};

// The fit of one variant on one GPU.
struct FitRow {
    std::string variant;
    std::string format;
    fit::FitReport report;
};

struct FitSection {
    std::string modelSource; // config.json or model file the shapes came from
    int64_t context = 0, batch = 0;
    std::string runtime;
    std::vector<std::string> gpus; // catalog ids
    std::vector<FitRow> rows;
    std::vector<std::string> notes; // why a variant could not be sized
};

struct ReleaseReport {
    std::string workspacePath;
    std::string generatedAt;
    std::string toolVersion;
    std::vector<ModelRecord> models;
    std::vector<VariantRecord> variants;
    std::vector<ScorecardSection> scorecards;
    std::vector<score::Decision> decisions; // oldest first
    FitSection fit;

    // The newest decision that nothing supersedes; null without decisions.
    const score::Decision* currentDecision() const;
    const ScorecardSection* scorecard(int64_t id) const;
};

// Which variants to size and where. Without `model`, the workspace's own models and
// their quantized variants are sized (their files must still exist).
struct FitOptions {
    std::filesystem::path model;                      // config.json or model file
    std::map<std::string, std::string> variantFormat; // scorecard variant -> fit format name
    std::vector<std::string> gpus{"rtx-4090", "h100-sxm"};
    int64_t context = 4096, batch = 1;
};

struct ReportOptions {
    std::optional<int64_t> scorecardId; // only this scorecard; default: all
    std::optional<FitOptions> fit;      // no fit section without it
};

// Reads the workspace; throws ql::Error on a bad workspace, GPU name or format name.
ReleaseReport gatherReleaseReport(const Workspace& ws, const ReportOptions& options = {});

} // namespace ql::report
