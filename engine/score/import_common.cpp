#include "engine/core/error.h"
#include "engine/model/json_util.h"
#include "engine/score/importer.h"

#include <algorithm>
#include <cctype>

namespace ql::score {

namespace {

bool sameIgnoringCase(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

bool looksLikeLmEval(const std::filesystem::path& file) {
    if (file.extension() != ".json")
        return false;
    const auto j = parseJsonFile(file);
    return j.is_object() && j.contains("results") && j["results"].is_object();
}

} // namespace

void finishScorecard(Scorecard& card, const ImportOptions& options) {
    for (auto& cell : card.cells)
        for (const auto& name : options.reportedAggregates)
            if (sameIgnoringCase(cell.slice, name))
                cell.kind = CellKind::ReportedAggregate;
    if (!options.baseline.empty())
        card.baseline = matchVariant(card.variants(), options.baseline);
}

std::vector<Scorecard> importFile(const std::filesystem::path& file, const ImportOptions& options) {
    if (!std::filesystem::is_regular_file(file))
        throw Error(file.string() + ": no such file");
    if (looksLikeLmEval(file))
        return {importLmEval(file, options)};
    if (file.extension() == ".json")
        throw Error(file.string() +
                    ": a .json file without a \"results\" object; expected lm-evaluation-harness "
                    "results_*.json, or a long-format .csv/.jsonl");
    return importLongTable(file, options);
}

void checkCanMerge(const Scorecard& existing, const Scorecard& incoming) {
    if (existing.evaluator != incoming.evaluator)
        throw Error("scorecard " + std::to_string(existing.id) + " was scored by '" +
                    existing.evaluator + "', this file by '" + incoming.evaluator +
                    "'; the same evaluators must score every variant");
    if (existing.evalSetVersion != incoming.evalSetVersion)
        throw Error("scorecard " + std::to_string(existing.id) + " used evaluation set '" +
                    existing.evalSetVersion + "', this file '" + incoming.evalSetVersion +
                    "'; variants are only compared on the same evaluation set");
    const auto have = existing.variants();
    for (const auto& v : incoming.variants())
        if (std::find(have.begin(), have.end(), v) != have.end())
            throw Error("scorecard " + std::to_string(existing.id) + " already has variant '" + v +
                        "'; import it under another name (--variant)");
}

} // namespace ql::score
