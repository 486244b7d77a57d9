#include "engine/score/report.h"

#include "engine/score/gate.h"

namespace ql::score {

using nlohmann::json;

ScorecardReport compareScorecard(const Scorecard& card, const StatsOptions& options) {
    ScorecardReport r;
    for (const auto& c : card.cells) {
        CellReport cr{&c, std::nullopt};
        if (!card.baseline.empty() && c.variant != card.baseline) {
            if (const auto* base = card.find(card.baseline, c.dimension, c.slice)) {
                cr.vsBaseline = compareCells(*base, c, options);
                ++r.comparisons;
            }
        }
        r.cells.push_back(cr);
    }
    return r;
}

namespace {

json cellJson(const CellReport& cr) {
    const ScoreCell& c = *cr.cell;
    json j{{"variant", c.variant},         {"dimension", c.dimension}, {"slice", c.slice},
           {"kind", cellKindName(c.kind)}, {"score", c.score},         {"n", c.n},
           {"examples", c.examples.size()}};
    j["stderr"] = c.stdError ? json(*c.stdError) : json(nullptr);
    if (cr.vsBaseline)
        j["vs_baseline"] = comparisonJson(*cr.vsBaseline);
    return j;
}

json aggregatesJson(const Scorecard& card) {
    json out = json::array();
    for (const auto& v : card.variants())
        for (const auto& d : card.dimensions())
            if (const auto a = aggregate(card, v, d))
                out.push_back({{"variant", v},
                               {"dimension", d},
                               {"score", a->score},
                               {"n", a->n},
                               {"slices", a->cells},
                               {"weighted_by_n", a->weighted}});
    return out;
}

} // namespace

json scorecardJson(const Scorecard& card, const StatsOptions& options) {
    const ScorecardReport r = compareScorecard(card, options);
    json cells = json::array();
    for (const auto& cr : r.cells)
        cells.push_back(cellJson(cr));
    return {{"id", card.id},
            {"name", card.name},
            {"source", card.sourcePath},
            {"source_hash", card.sourceHash},
            {"eval_set_version", card.evalSetVersion},
            {"evaluator", card.evaluator},
            {"baseline", card.baseline},
            {"imported_at", card.importedAt},
            {"variants", card.variants()},
            {"dimensions", card.dimensions()},
            {"slices", card.slices()},
            {"comparisons", r.comparisons},
            {"cells", cells},
            {"aggregates", aggregatesJson(card)}};
}

} // namespace ql::score
