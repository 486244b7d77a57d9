#pragma once
// A scorecard: variant x dimension x slice scores with the n and, where known, the
// per-example results behind them. Aggregates are computed from the cells (see
// aggregate()), never stored as the only truth. Every scorecard names the evaluation
// set version (or the source file's hash) and the evaluator that produced it, so that
// two variants are only ever compared when the same evaluators scored them.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ql::score {

// What a cell stands for. Only Slice cells feed computed aggregates; Group cells are
// lm-eval groups (slices in their own right, e.g. mmlu_stem); ReportedAggregate cells
// are averages a source printed ("Average", "Avg."), kept for cross-checking only.
enum class CellKind { Slice, Group, ReportedAggregate };
const char* cellKindName(CellKind kind);
CellKind cellKindFromName(const std::string& name);

struct ExampleResult {
    std::string id;
    double value = 0.0;
};

struct ScoreCell {
    std::string variant;
    std::string dimension;
    std::string slice;
    CellKind kind = CellKind::Slice;
    double score = 0.0;
    int64_t n = 0;                  // 0: unknown
    std::optional<double> stdError; // as reported by the source, when it reported one
    std::vector<ExampleResult> examples;
};

struct Scorecard {
    int64_t id = 0;
    std::string name;
    std::string sourcePath;
    std::string sourceHash;     // xxh64 of the imported file(s), hex
    std::string evalSetVersion; // task versions, or "file:<hash>" when the source has none
    std::string evaluator;      // "lm-evaluation-harness 0.4.2", or what a CSV column says
    std::string baseline;       // variant the deltas are taken against; may be empty
    std::string importedAt;
    std::vector<ScoreCell> cells;

    std::vector<std::string> variants() const;   // in first-seen order
    std::vector<std::string> dimensions() const; // in first-seen order
    std::vector<std::string> slices() const;     // in first-seen order
    const ScoreCell* find(const std::string& variant, const std::string& dimension,
                          const std::string& slice) const;
};

// Mean of a variant's Slice cells for one dimension over `slices` (all of its Slice
// cells when empty), weighted by n when every cell has one. Computed, never stored.
struct Aggregate {
    double score = 0.0;
    int64_t n = 0;
    int cells = 0;
    bool weighted = false;
};
std::optional<Aggregate> aggregate(const Scorecard& card, const std::string& variant,
                                   const std::string& dimension,
                                   const std::vector<std::string>& slices = {});

// The first variant that matches `pattern` case-insensitively; a trailing '*' matches
// any suffix ("bf16*" finds "BF16 (Base 1)"). Empty when none matches.
std::string matchVariant(const std::vector<std::string>& variants, const std::string& pattern);

// Mean of the example values: the cell's score when it has per-example data.
double exampleMean(const std::vector<ExampleResult>& examples);

} // namespace ql::score
