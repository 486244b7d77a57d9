// quantlens-cli decide: append a release decision (default variant, flagged variants and
// their surfaces, rationale, author) resting on scorecards and a gate policy.
#include "app/cli/commands.h"
#include "app/cli/json_output.h"
#include "engine/core/error.h"
#include "engine/model/json_util.h"
#include "engine/store/score_store.h"

#include <algorithm>
#include <iostream>

namespace ql::cli {

namespace {

struct DecideArgs {
    std::string workspace, defaultVariant, rationale, author, subject, policy;
    std::vector<std::string> flagged;
    std::vector<int64_t> scorecards;
    bool list = false, json = false;
};

bool hasVariant(const score::Scorecard& card, const std::string& v) {
    const auto all = card.variants();
    return std::find(all.begin(), all.end(), v) != all.end();
}

// The given scorecards, or every scorecard that scored the default variant.
std::vector<score::Scorecard> evidence(const Workspace& ws, const DecideArgs& a) {
    std::vector<score::Scorecard> out;
    for (const auto& h : scorecardList(ws)) {
        const bool named =
            std::find(a.scorecards.begin(), a.scorecards.end(), h.id) != a.scorecards.end();
        if (!a.scorecards.empty() && !named)
            continue;
        auto card = *loadScorecard(ws, h.id);
        if (!hasVariant(card, a.defaultVariant)) {
            if (named)
                throw Error("scorecard " + std::to_string(h.id) + " has no variant '" +
                            a.defaultVariant + "'");
            continue;
        }
        out.push_back(std::move(card));
    }
    if (out.empty())
        throw Error(a.workspace + ": no scorecard scored variant '" + a.defaultVariant +
                    "'; a decision must rest on a scorecard");
    return out;
}

std::optional<int64_t> policyFor(Workspace& ws, const DecideArgs& a, int64_t cardId) {
    if (!a.policy.empty())
        return addGatePolicy(ws, score::loadGatePolicy(a.policy).name,
                             parseJsonFile(a.policy).dump());
    const auto verdicts = gateVerdicts(ws, cardId);
    if (verdicts.empty())
        return std::nullopt;
    return verdicts.back().policyId;
}

nlohmann::json decisionJson(const score::Decision& d) {
    nlohmann::json flagged = nlohmann::json::array();
    for (const auto& f : d.flagged)
        flagged.push_back({{"variant", f.variant}, {"surfaces", f.surfaces}});
    auto opt = [](const std::optional<int64_t>& v) {
        return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
    };
    return {{"id", d.id},
            {"subject", d.subject},
            {"default", d.defaultVariant},
            {"flagged", flagged},
            {"rationale", d.rationale},
            {"author", d.author},
            {"created_at", d.createdAt},
            {"scorecards", d.scorecardIds},
            {"gate_policy", opt(d.gatePolicyId)},
            {"supersedes", opt(d.supersedes)},
            {"superseded_by", opt(d.supersededBy)}};
}

int listDecisions(const Workspace& ws, bool json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : decisions(ws))
        out.push_back(decisionJson(d));
    if (json) {
        printJson(std::cout, out);
        return 0;
    }
    for (const auto& d : out)
        std::cout << "decision " << d["id"] << " [" << d["subject"].get<std::string>()
                  << "] default " << d["default"].get<std::string>() << " by "
                  << d["author"].get<std::string>() << " at " << d["created_at"].get<std::string>()
                  << (d["superseded_by"].is_null()
                          ? " (current)"
                          : " (superseded by " + d["superseded_by"].dump() + ")")
                  << "\n";
    return 0;
}

void warnOnVerdicts(const Workspace& ws, const score::Decision& d) {
    for (const int64_t id : d.scorecardIds)
        for (const auto& v : gateVerdicts(ws, id))
            if (v.variant == d.defaultVariant && v.verdict != "pass")
                std::cerr << "note: variant '" << d.defaultVariant << "' had gate verdict '"
                          << v.verdict << "' on scorecard " << id << " (" << v.createdAt << ")\n";
}

int runDecide(const DecideArgs& a) {
    Workspace ws(a.workspace);
    if (a.list)
        return listDecisions(ws, a.json);
    if (a.defaultVariant.empty() || a.rationale.empty() || a.author.empty())
        throw Error("decide needs --default, --rationale and --author");
    const auto cards = evidence(ws, a);
    score::Decision d;
    d.subject = a.subject.empty() ? cards.front().name : a.subject;
    d.defaultVariant = a.defaultVariant;
    for (const auto& f : a.flagged)
        d.flagged.push_back(score::parseFlagged(f));
    d.rationale = a.rationale;
    d.author = a.author;
    for (const auto& c : cards)
        d.scorecardIds.push_back(c.id);
    d.gatePolicyId = policyFor(ws, a, cards.front().id);
    warnOnVerdicts(ws, d);
    d.id = addDecision(ws, d);
    const auto stored = currentDecision(ws, d.subject);
    if (a.json)
        printJson(std::cout, decisionJson(*stored));
    else
        std::cout << "decision " << d.id << " recorded for '" << d.subject << "'"
                  << (stored->supersedes
                          ? ", superseding decision " + std::to_string(*stored->supersedes)
                          : std::string())
                  << "\n";
    return 0;
}

} // namespace

void addDecideCommand(CLI::App& app, CommandTable& table) {
    auto a = std::make_shared<DecideArgs>();
    auto* cmd = app.add_subcommand("decide", "Record a release decision (append-only)");
    cmd->add_option("--workspace", a->workspace, "Workspace file")->required();
    cmd->add_option("--default", a->defaultVariant, "Variant shipped by default");
    cmd->add_option("--flagged", a->flagged, "VARIANT:surface1,surface2 allowed behind a flag");
    cmd->add_option("--rationale", a->rationale, "Why");
    cmd->add_option("--author", a->author, "Who decided");
    cmd->add_option("--scorecard", a->scorecards,
                    "Scorecard ids it rests on (default: all "
                    "that scored the default variant)");
    cmd->add_option("--policy", a->policy,
                    "Gate policy JSON it rests on (default: the last "
                    "one gated on the scorecard)");
    cmd->add_option("--subject", a->subject, "What is decided (default: the scorecard name)");
    cmd->add_flag("--list", a->list, "List the decisions instead");
    cmd->add_flag("--json", a->json, "Machine-readable output");
    table.add(cmd, [a] { return runDecide(*a); });
}

} // namespace ql::cli
