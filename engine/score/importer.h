#pragma once
// Importers turn other tools' results into scorecards:
//  - lm-evaluation-harness output (results_*.json and the samples_*.jsonl beside it):
//    tasks and groups become slices, metrics ("acc,none") become dimensions;
//  - long-format CSV/JSONL (variant, slice, dimension, score, optional n, optional
//    example id), with a mapping of the file's columns to those roles.
#include "engine/score/scorecard.h"

#include <filesystem>
#include <string>
#include <vector>

namespace ql::score {

// Which columns play which role. Several columns for variant/slice/dimension/group are
// joined with " / "; several score columns make a wide file, one dimension per column.
// slice and dimension may instead be a constant ("const:gsm8k").
struct ColumnMapping {
    std::vector<std::string> variant, slice, dimension, group, scores;
    std::string n, example, stdError, evaluator;
    std::string constSlice, constDimension;
    // Explicit mappings must name existing columns; the default one skips absent ones.
    bool explicitMapping = false;
};

// "variant=precision,group=base_model,score=a,score=b,n=limit,slice=const:gsm8k".
// Combined keys use '+': "group=table+model". Throws ql::Error on an unknown role.
ColumnMapping parseMapping(const std::string& text);
// Columns named like the roles (variant, slice, dimension, score, n, example_id, ...).
ColumnMapping defaultMapping();

struct ImportOptions {
    ColumnMapping mapping = defaultMapping();
    std::string baseline;       // variant pattern, see matchVariant(); resolved per scorecard
    std::string variantName;    // lm-eval: the variant a results file scored
    std::string name;           // scorecard name when the file has no group column
    std::string evalSetVersion; // overrides what the importer derives
    std::string evaluator;      // overrides what the importer derives
    double scoreScale = 1.0;    // e.g. 0.01 for scores given in percent
    // Slice names (case-insensitive) that are averages printed by the source: imported
    // as ReportedAggregate, never gated, never fed into computed aggregates.
    std::vector<std::string> reportedAggregates = {"average", "avg", "avg.", "mean", "overall"};
};

std::vector<Scorecard> importLongTable(const std::filesystem::path& file,
                                       const ImportOptions& options);
Scorecard importLmEval(const std::filesystem::path& resultsJson, const ImportOptions& options);
// By content: a .json with a "results" object is lm-eval; anything else a long table.
std::vector<Scorecard> importFile(const std::filesystem::path& file, const ImportOptions& options);

// Throws unless `incoming` was scored by the same evaluator on the same evaluation set as
// `existing` and adds no variant it already has: the doctrine for adding variants.
void checkCanMerge(const Scorecard& existing, const Scorecard& incoming);

// Shared by the importers: kind from the reported-aggregate names, baseline resolution.
void finishScorecard(Scorecard& card, const ImportOptions& options);

} // namespace ql::score
