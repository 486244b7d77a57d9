// EngineBridge for the Scorecards and Decision views: scorecards with their comparisons,
// gate runs, policies and decisions, and the release report. Every workspace access runs
// on the engine thread; the views get ScoreViewData copies.
#include "engine/core/error.h"
#include "engine/jobs/engine_thread.h"
#include "engine/report/release_report.h"
#include "engine/score/gate_policy_json.h"
#include "engine/store/policy_store.h"
#include "engine/store/score_store.h"
#include "ui/engine_bridge.h"
#include "ui/engine_bridge_state.h"
#include "ui/engine_values.h"
#include "ui/report_export.h"

namespace {

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

QStringList qsList(const std::vector<std::string>& v) {
    QStringList out;
    for (const auto& s : v)
        out << qs(s);
    return out;
}

ScoreCellData toCell(const ql::report::ReportCell& c) {
    ScoreCellData d;
    d.variant = qs(c.variant);
    d.dimension = qs(c.dimension);
    d.slice = qs(c.slice);
    d.reportedAggregate = c.kind == ql::score::CellKind::ReportedAggregate;
    d.score = c.score;
    d.n = c.n;
    if (const auto& k = c.vsBaseline) {
        d.compared = true;
        d.baseline = k->baseline;
        d.delta = k->delta;
        d.ciLow = k->ciLow;
        d.ciHigh = k->ciHigh;
        d.pValue = k->pValue;
        d.method = QString::fromLatin1(ql::score::statMethodLabel(k->method));
    }
    return d;
}

ScorecardData toScorecard(const ql::report::ScorecardSection& s) {
    ScorecardData d;
    d.id = s.card.id;
    d.name = qs(s.card.name);
    d.baseline = qs(s.card.baseline);
    d.evaluator = qs(s.card.evaluator);
    d.evalSetVersion = qs(s.card.evalSetVersion);
    d.sourcePath = qs(s.card.sourcePath);
    d.sourceHash = qs(s.card.sourceHash);
    d.variants = qsList(s.variants);
    d.dimensions = qsList(s.card.dimensions());
    d.slices = qsList(s.card.slices());
    for (const auto& c : s.cells)
        d.cells.append(toCell(c));
    if (s.policy)
        d.confidence = s.policy->confidence;
    return d;
}

GateRunData toGate(int64_t scorecardId, const ql::report::GateRun& g) {
    GateRunData d{scorecardId,   g.policyId, qs(g.policyName), qs(g.policyBody), qs(g.createdAt),
                  g.comparisons, {}};
    for (const auto& v : g.verdicts) {
        GateVerdictData vd{qs(v.variant), qs(v.verdict), {}};
        for (const auto& r : v.reasons)
            vd.reasons.append({qs(r.severity), qs(r.dimension), qs(r.slice), qs(r.message)});
        d.verdicts.append(vd);
    }
    return d;
}

DecisionData toDecision(const ql::score::Decision& d) {
    DecisionData out;
    out.id = d.id;
    out.subject = qs(d.subject);
    out.defaultVariant = qs(d.defaultVariant);
    for (const auto& f : d.flagged)
        out.flagged.append({qs(f.variant), qsList(f.surfaces)});
    out.rationale = qs(d.rationale);
    out.author = qs(d.author);
    out.createdAt = qs(d.createdAt);
    for (const int64_t id : d.scorecardIds)
        out.scorecards.append(id);
    out.gatePolicyId = d.gatePolicyId.value_or(0);
    out.supersedes = d.supersedes.value_or(0);
    out.supersededBy = d.supersededBy.value_or(0);
    return out;
}

ScoreViewData readScoreData(const ql::Workspace& ws) {
    const auto report = ql::report::gatherReleaseReport(ws);
    ScoreViewData out;
    for (const auto& s : report.scorecards) {
        out.scorecards.append(toScorecard(s));
        if (s.gate)
            out.gates.append(toGate(s.card.id, *s.gate));
    }
    for (const auto& p : ql::gatePolicies(ws))
        out.policies.append({p.id, qs(p.name), qs(p.body), qs(p.createdAt)});
    for (const auto& d : report.decisions)
        out.decisions.append(toDecision(d));
    return out;
}

// The policy as the engine reads it (errors name the field), stored in its normal form.
int64_t storePolicy(ql::Workspace& ws, const QString& json, ql::score::GatePolicy& policy) {
    policy = ql::score::parseGatePolicyText(json.toStdString(), "gate policy");
    return ql::addGatePolicy(ws, policy.name, ql::score::gatePolicyJson(policy).dump());
}

ql::score::Decision fromInput(const DecisionInput& in) {
    ql::score::Decision d;
    d.subject = in.subject.toStdString();
    d.defaultVariant = in.defaultVariant.toStdString();
    for (const auto& [variant, surfaces] : in.flagged) {
        ql::score::FlaggedVariant f{variant.toStdString(), {}};
        for (const auto& s : surfaces)
            f.surfaces.push_back(s.toStdString());
        d.flagged.push_back(f);
    }
    d.rationale = in.rationale.toStdString();
    d.author = in.author.toStdString();
    for (const qint64 id : in.scorecards)
        d.scorecardIds.push_back(id);
    return d;
}

} // namespace

void EngineBridge::submitScoreWork(const QString& title,
                                   std::function<void(ql::Workspace&)> change) {
    if (m_workspacePath.isEmpty()) {
        emit scoreActionFailed(tr("No workspace is open."));
        return;
    }
    auto data = std::make_shared<ScoreViewData>();
    auto work = [state = m_state, ws = toPath(m_workspacePath), change, data](ql::JobContext&) {
        ql::Workspace& workspace = state->workspaceAt(ws);
        if (change)
            change(workspace);
        *data = readScoreData(workspace);
    };
    submit(title, work, [this, data](const ql::JobSnapshot& s) {
        if (s.status == ql::JobStatus::Finished)
            emit scoreDataLoaded(*data);
        else if (s.status == ql::JobStatus::Failed)
            emit scoreActionFailed(QString::fromStdString(s.error));
    });
}

void EngineBridge::loadScoreData() {
    submitScoreWork(tr("Reading scorecards and decisions"), {});
}

void EngineBridge::saveGatePolicy(const QString& policyJson) {
    submitScoreWork(tr("Saving the gate policy"), [policyJson](ql::Workspace& ws) {
        ql::score::GatePolicy policy;
        storePolicy(ws, policyJson, policy);
    });
}

void EngineBridge::runGate(qint64 scorecardId, const QString& policyJson) {
    submitScoreWork(
        tr("Gating scorecard %1").arg(scorecardId), [scorecardId, policyJson](ql::Workspace& ws) {
            ql::score::GatePolicy policy;
            const int64_t policyId = storePolicy(ws, policyJson, policy);
            const auto card = ql::loadScorecard(ws, scorecardId);
            if (!card)
                throw ql::Error("no scorecard " + std::to_string(scorecardId));
            ql::addGateVerdicts(ws, policyId, scorecardId, ql::score::evaluateGate(*card, policy));
        });
}

void EngineBridge::recordDecision(const DecisionInput& input) {
    submitScoreWork(tr("Recording the decision"), [input](ql::Workspace& ws) {
        ql::score::Decision d = fromInput(input);
        // Rests on the policy last gated on its first scorecard, as quantlens-cli decide.
        if (!d.scorecardIds.empty())
            if (const auto v = ql::gateVerdicts(ws, d.scorecardIds.front()); !v.empty())
                d.gatePolicyId = v.back().policyId;
        ql::addDecision(ws, d);
    });
}

void EngineBridge::exportReport(const QString& path) {
    if (m_workspacePath.isEmpty()) {
        emit reportFailed(path, tr("No workspace is open."));
        return;
    }
    auto report = std::make_shared<ql::report::ReleaseReport>();
    auto work = [state = m_state, ws = toPath(m_workspacePath), report](ql::JobContext& ctx) {
        ctx.setStage("reading the workspace");
        ql::report::ReportOptions options;
        options.fit = ql::report::FitOptions{}; // the workspace's own quantized variants
        *report = ql::report::gatherReleaseReport(state->workspaceAt(ws), options);
    };
    submit(tr("Exporting the report"), work, [this, path, report](const ql::JobSnapshot& s) {
        if (s.status != ql::JobStatus::Finished) {
            emit reportFailed(path, QString::fromStdString(s.error));
            return;
        }
        // Layout and painting need the GUI thread's fonts; a report is a few pages.
        const QString error = writeReleaseReport(*report, path);
        if (error.isEmpty())
            emit reportExported(path);
        else
            emit reportFailed(path, error);
    });
}
