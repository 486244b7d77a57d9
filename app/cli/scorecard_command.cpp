// quantlens-cli scorecard: dimensions x slices, one column per variant, deltas against the
// baseline with their confidence intervals; aggregates are computed, marked as such.
#include "app/cli/commands.h"
#include "app/cli/json_output.h"
#include "engine/core/error.h"
#include "engine/score/report.h"
#include "engine/store/score_store.h"

#include <cstdio>
#include <iomanip>
#include <iostream>
#include <set>

namespace ql::cli {

namespace {

std::string num(const char* fmt, double v) {
    char buf[48];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
}

std::string cellText(const score::Scorecard& card, const score::ScorecardReport& r,
                     const std::string& variant, const std::string& dim, const std::string& slice) {
    for (const auto& cr : r.cells) {
        const auto& c = *cr.cell;
        if (c.variant != variant || c.dimension != dim || c.slice != slice)
            continue;
        if (!cr.vsBaseline)
            return num("%.4f", c.score) + (c.n > 0 ? " n=" + std::to_string(c.n) : "");
        const auto& k = *cr.vsBaseline;
        std::string s = num("%+.4f", k.delta);
        if (k.ciLow)
            s += " [" + num("%+.4f", *k.ciLow) + "," + num("%+.4f", *k.ciHigh) + "]";
        return s;
    }
    (void)card;
    return "-";
}

std::string aggregateText(const score::Scorecard& card, const std::string& variant,
                          const std::string& dim) {
    const auto a = score::aggregate(card, variant, dim);
    if (!a)
        return "-";
    if (variant == card.baseline || card.baseline.empty())
        return num("%.4f", a->score);
    const auto b = score::aggregate(card, card.baseline, dim);
    return b ? num("%+.4f", a->score - b->score) : num("%.4f", a->score);
}

void printRow(const std::string& label, const std::vector<std::string>& cols) {
    std::cout << "  " << std::left << std::setw(28) << label.substr(0, 27);
    for (const auto& c : cols)
        std::cout << " " << std::setw(30) << c;
    std::cout << "\n";
}

void printDimension(const score::Scorecard& card, const score::ScorecardReport& r,
                    const std::vector<std::string>& variants, const std::string& dim) {
    std::cout << "dimension " << dim << "\n";
    printRow("slice", variants);
    for (const auto& slice : card.slices()) {
        const auto* any = [&]() -> const score::ScoreCell* {
            for (const auto& v : variants)
                if (const auto* c = card.find(v, dim, slice))
                    return c;
            return nullptr;
        }();
        if (!any)
            continue;
        std::vector<std::string> cols;
        for (const auto& v : variants)
            cols.push_back(cellText(card, r, v, dim, slice));
        const bool reported = any->kind == score::CellKind::ReportedAggregate;
        printRow(slice + (reported ? " (reported)" : ""), cols);
    }
    std::vector<std::string> agg;
    for (const auto& v : variants)
        agg.push_back(aggregateText(card, v, dim));
    printRow("(computed aggregate)", agg);
}

void printScorecard(const score::Scorecard& card) {
    const auto r = score::compareScorecard(card);
    std::cout << "scorecard " << card.id << " '" << card.name << "'\n"
              << "  evaluator " << card.evaluator << "\n  evaluation set "
              << card.evalSetVersion.substr(0, 200) << "\n  source " << card.sourcePath
              << " (xxh64 " << card.sourceHash << ")\n  baseline "
              << (card.baseline.empty() ? "(none: no deltas)" : card.baseline) << "\n";
    auto variants = card.variants();
    if (!card.baseline.empty()) {
        std::erase(variants, card.baseline);
        variants.insert(variants.begin(), card.baseline);
    }
    for (const auto& dim : card.dimensions())
        printDimension(card, r, variants, dim);
    std::set<std::string> methods;
    for (const auto& cr : r.cells)
        if (cr.vsBaseline)
            methods.insert(score::statMethodLabel(cr.vsBaseline->method));
    std::cout << "  " << r.comparisons << " comparisons against the baseline; 95% CIs by: ";
    for (const auto& m : methods)
        std::cout << (m == *methods.begin() ? "" : "; ") << m;
    std::cout << "\n\n";
}

struct ScorecardArgs {
    std::string workspace;
    int64_t id = 0;
    bool json = false;
};

int runScorecard(const ScorecardArgs& a) {
    if (!std::filesystem::exists(a.workspace))
        throw Error(a.workspace + ": no such workspace");
    Workspace ws(a.workspace);
    std::vector<score::Scorecard> cards;
    for (const auto& header : scorecardList(ws))
        if (a.id == 0 || header.id == a.id)
            cards.push_back(*loadScorecard(ws, header.id));
    if (cards.empty())
        throw Error(a.workspace +
                    (a.id ? ": no scorecard " + std::to_string(a.id)
                          : std::string(": no scorecards yet (quantlens-cli import)")));
    if (a.json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& c : cards)
            out.push_back(score::scorecardJson(c));
        printJson(std::cout, out);
        return 0;
    }
    for (const auto& c : cards)
        printScorecard(c);
    return 0;
}

} // namespace

void addScorecardCommand(CLI::App& app, CommandTable& table) {
    auto a = std::make_shared<ScorecardArgs>();
    auto* cmd = app.add_subcommand("scorecard", "Show scorecards: deltas and CIs per slice");
    cmd->add_option("--workspace", a->workspace, "Workspace file")->required();
    cmd->add_option("--scorecard", a->id, "Only this scorecard id");
    cmd->add_flag("--json", a->json, "Machine-readable output");
    table.add(cmd, [a] { return runScorecard(*a); });
}

} // namespace ql::cli
