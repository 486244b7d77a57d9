#pragma once
// The release gate: per-slice and per-dimension regression limits, aggregate bounds,
// critical slices, and whether a regression must be significant to fail. The doctrine
// is in evaluate(): every (dimension, slice) cell is checked on its own, so a variant
// whose aggregate improves still fails on one slice that regressed too far.
#include "engine/score/scorecard.h"
#include "engine/score/stats.h"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ql::score {

// A regression limit in score units (absolute) and/or as a fraction of the baseline
// (relative); exceeding either one counts.
struct Threshold {
    std::optional<double> absolute;
    std::optional<double> relative;
    bool any() const { return absolute || relative; }
};

enum class Adjustment { None, Holm, BenjaminiHochberg };

struct GatePolicy {
    std::string name = "gate";
    std::string baseline; // variant pattern; empty: the scorecard's baseline
    double confidence = 0.95;
    bool requireSignificance = true;
    Adjustment adjustment = Adjustment::None;
    int bootstrapResamples = 2000;
    uint64_t seed = 0x5eed2024;
    Threshold maxRegression;                          // default for every cell
    std::map<std::string, Threshold> dimensionLimits; // per dimension
    std::map<std::string, Threshold> sliceLimits;     // per slice (wins over dimension)
    std::vector<std::string> lowerIsBetter;           // dimensions such as perplexity
    std::vector<std::string> criticalSlices;          // fail beyond threshold, significant or not
    std::vector<std::string> requiredSlices;          // missing ones make the verdict inconclusive
    std::vector<std::string> dimensions;              // gate only these; empty: all
    Threshold aggregateMaxRegression;                 // on the computed aggregate per dimension
    std::optional<double> aggregateMin;               // floor for the computed aggregate
};

// Parses the policy JSON (docs/gates.md); errors name the field. `label` names the file.
GatePolicy parseGatePolicy(const nlohmann::json& j, const std::string& label);
// The same from the policy's text (a file's, the editor's, a stored body): JSON errors and
// bad values name `label`, the field and the byte offset in `text`.
GatePolicy parseGatePolicyText(std::string_view text, const std::string& label);
GatePolicy loadGatePolicy(const std::filesystem::path& file);

enum class Verdict { Pass, Fail, Inconclusive };
const char* verdictName(Verdict v);

struct GateReason {
    Verdict severity = Verdict::Fail;
    std::string dimension;
    std::string slice; // "(aggregate)" for aggregate bounds
    std::string message;
    std::optional<Comparison> comparison;
    std::optional<double> adjustedP;
    double threshold = 0.0; // the limit that applied, in score units
};

struct VariantVerdict {
    std::string variant;
    Verdict verdict = Verdict::Pass;
    std::vector<GateReason> reasons;
};

struct GateResult {
    std::string baseline;
    int comparisons = 0; // cell comparisons made: read a lone red cell among many with care
    std::vector<VariantVerdict> variants;
    Verdict overall() const; // worst of the variants: fail > inconclusive > pass
};

// `only` restricts the verdict to one variant; empty gates every non-baseline variant.
GateResult evaluateGate(const Scorecard& card, const GatePolicy& policy,
                        const std::string& only = {});

nlohmann::json gateResultJson(const GateResult& result);
nlohmann::json comparisonJson(const Comparison& c);

} // namespace ql::score
