#include "engine/report/release_report.h"

#include "engine/report/report_fit.h"
#include "engine/score/gate_limit.h"
#include "engine/store/policy_store.h"
#include "engine/store/score_store.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace ql::report {

using nlohmann::json;

const ReportCell* ScorecardSection::find(const std::string& variant, const std::string& dimension,
                                         const std::string& slice) const {
    for (const auto& c : cells)
        if (c.variant == variant && c.dimension == dimension && c.slice == slice)
            return &c;
    return nullptr;
}

CellGate ScorecardSection::cellGate(const std::string& variant, const std::string& dimension,
                                    const std::string& slice) const {
    CellGate g;
    const VerdictRow* verdict = nullptr;
    if (gate)
        for (const auto& v : gate->verdicts)
            if (v.variant == variant)
                verdict = &v;
    const auto* cr = find(variant, dimension, slice);
    if (!verdict || !policy || !cr || !cr->vsBaseline)
        return g;
    g.gated = true;
    g.limit = score::gateLimit(*policy, dimension, slice, cr->vsBaseline->baseline);
    for (const auto& r : verdict->reasons)
        if (r.dimension == dimension && r.slice == slice)
            g.reason = &r;
    const auto& k = *cr->vsBaseline;
    const double alpha = 1.0 - policy->confidence;
    if (g.reason && g.reason->adjustedP)
        g.significant = *g.reason->adjustedP < alpha;
    else if (k.pValue)
        g.significant = *k.pValue < alpha;
    else if (k.ciLow && k.ciHigh)
        g.significant = *k.ciLow > 0.0 || *k.ciHigh < 0.0;
    return g;
}

const score::Decision* ReleaseReport::currentDecision() const {
    for (auto it = decisions.rbegin(); it != decisions.rend(); ++it)
        if (!it->supersededBy)
            return &*it;
    return nullptr;
}

const ScorecardSection* ReleaseReport::scorecard(int64_t id) const {
    for (const auto& s : scorecards)
        if (s.card.id == id)
            return &s;
    return nullptr;
}

namespace {

std::vector<ReasonRow> reasonsFrom(const std::string& text) {
    std::vector<ReasonRow> out;
    for (const auto& r : json::parse(text))
        out.push_back({r.value("severity", ""), r.value("dimension", ""), r.value("slice", ""),
                       r.value("message", ""),
                       r.contains("adjusted_p")
                           ? std::optional<double>(r["adjusted_p"].get<double>())
                           : std::nullopt});
    return out;
}

// The last gate run: the verdicts of the newest row's policy, the latest one per variant
// (a run writes one row per variant; re-running the same policy replaces them).
std::optional<GateRun> lastGateRun(const Workspace& ws, int64_t scorecardId) {
    const auto stored = gateVerdicts(ws, scorecardId);
    if (stored.empty())
        return std::nullopt;
    GateRun run;
    run.policyId = stored.back().policyId;
    run.createdAt = stored.back().createdAt;
    run.comparisons = stored.back().comparisons;
    if (const auto policy = gatePolicy(ws, run.policyId)) {
        run.policyName = policy->name;
        run.policyBody = policy->body;
    }
    for (const auto& v : stored) {
        if (v.policyId != run.policyId)
            continue;
        VerdictRow row{v.variant, v.verdict, reasonsFrom(v.reasonsJson)};
        auto same = std::find_if(run.verdicts.begin(), run.verdicts.end(),
                                 [&](const VerdictRow& r) { return r.variant == v.variant; });
        if (same != run.verdicts.end())
            *same = std::move(row);
        else
            run.verdicts.push_back(std::move(row));
    }
    return run;
}

ScorecardSection section(const Workspace& ws, score::Scorecard card) {
    ScorecardSection s;
    s.card = std::move(card);
    s.variants = s.card.variants();
    if (!s.card.baseline.empty()) {
        std::erase(s.variants, s.card.baseline);
        s.variants.insert(s.variants.begin(), s.card.baseline);
    }
    s.gate = lastGateRun(ws, s.card.id);
    if (s.gate && !s.gate->policyBody.empty())
        s.policy = score::parseGatePolicyText(s.gate->policyBody,
                                              "gate policy " + std::to_string(s.gate->policyId));
    return s;
}

score::StatsOptions statsFor(const ScorecardSection& s) {
    score::StatsOptions o;
    if (s.policy) {
        o.confidence = s.policy->confidence;
        o.bootstrapResamples = s.policy->bootstrapResamples;
        o.seed = s.policy->seed;
    }
    return o;
}

} // namespace

ReleaseReport gatherReleaseReport(const Workspace& ws, const ReportOptions& options) {
    ReleaseReport r;
    r.workspacePath = ws.path().string();
    r.generatedAt = nowIso8601();
    r.toolVersion = std::string("Quantlens ") + QUANTLENS_VERSION;
    r.models = ws.models();
    r.variants = ws.variants();
    for (const auto& header : scorecardList(ws))
        if (!options.scorecardId || *options.scorecardId == header.id)
            r.scorecards.push_back(section(ws, *loadScorecard(ws, header.id)));
    for (auto& s : r.scorecards) {
        const auto cmp = score::compareScorecard(s.card, statsFor(s));
        for (const auto& cr : cmp.cells) {
            const auto& c = *cr.cell;
            s.cells.push_back(
                {c.variant, c.dimension, c.slice, c.kind, c.score, c.n, c.stdError, cr.vsBaseline});
        }
        s.comparisons = cmp.comparisons;
    }
    r.decisions = decisions(ws);
    if (options.fit)
        r.fit = gatherFit(ws, *options.fit, r.scorecards);
    return r;
}

} // namespace ql::report
