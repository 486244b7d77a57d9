// quantlens-cli eval: a variant scored per example on an evaluation set version into a
// workspace scorecard, with llama-perplexity's statistics per slice and overall.
#include "app/cli/commands.h"
#include "app/cli/eval_output.h"
#include "app/cli/json_output.h"
#include "engine/eval/eval_job.h"
#include "engine/jobs/engine_thread.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

namespace ql::cli {
namespace {

struct EvalOptions {
    EvalRequest request;
    bool json = false;
};

nlohmann::json summaryJson(const SliceSummary& s) {
    const TokenSummary& t = s.summary;
    nlohmann::json j = {
        {"slice", s.slice},       {"examples", t.examples},        {"tokens", t.tokens},
        {"mean_nll", t.nll.mean}, {"mean_nll_error", t.nll.error}, {"ppl", t.ppl},
        {"ppl_error", t.pplError}};
    if (t.hasBaseline) {
        j["mean_kld"] = t.kld.mean;
        j["mean_kld_error"] = t.kld.error;
        j["kld"] = percentilesJson(t.kldPercentiles);
        j["mean_delta_p"] = t.deltaP.mean;
        j["mean_delta_p_error"] = t.deltaP.error;
        j["delta_p"] = percentilesJson(t.deltaPPercentiles);
        j["rms_delta_p"] = t.rmsDeltaP;
        j["same_top_p"] = t.sameTop;
        j["same_top_p_error"] = t.sameTopError;
    }
    return j;
}

nlohmann::json outcomeJson(const EvalOutcome& o) {
    nlohmann::json slices = nlohmann::json::array();
    for (const auto& s : o.summaries)
        slices.push_back(summaryJson(s));
    return {{"set", o.version.label()},
            {"variant", o.variantLabel},
            {"base_variant", o.baseLabel},
            {"scorecard", o.scorecardName},
            {"scorecard_id", o.scorecardId},
            {"examples_scored", o.examplesScored},
            {"baseline_from_cache", o.baselineFromCache},
            {"baseline_windows_evaluated", o.baselineWindowsEvaluated},
            {"baseline_cache_bytes", o.baselineBytes},
            {"windows_evaluated", o.variantWindowsEvaluated},
            {"tokens_evaluated", o.tokensEvaluated},
            {"summaries", slices}};
}

void printSummary(std::ostream& out, const SliceSummary& s) {
    const TokenSummary& t = s.summary;
    out << s.slice << ": " << t.examples << " examples, " << t.tokens
        << " tokens scored, PPL = " << fmt("%.4f +/- %.5f", t.ppl, t.pplError);
    if (t.hasBaseline)
        out << ", mean KLD = " << fmt("%.6f +/- %.6f", t.kld.mean, t.kld.error) << " (p99 "
            << fmt("%.6f", t.kldPercentiles.p99) << ", max " << fmt("%.6f", t.kldPercentiles.max)
            << "), mean dp = " << fmt("%.3f +/- %.3f %%", 100 * t.deltaP.mean, 100 * t.deltaP.error)
            << ", RMS dp = " << fmt("%.3f %%", 100 * t.rmsDeltaP)
            << ", same top = " << fmt("%.3f +/- %.3f %%", 100 * t.sameTop, 100 * t.sameTopError);
    out << "\n";
}

int runEval(const EvalOptions& o) {
    JobContext job;
    const EvalOutcome r = runEvaluation(o.request, job);
    if (o.json) {
        printJson(std::cout, outcomeJson(r));
        return 0;
    }
    std::cout << r.variantLabel << " on " << r.version.label();
    if (!r.baseLabel.empty())
        std::cout << " against " << r.baseLabel
                  << (r.baselineFromCache ? " (baseline from the workspace cache)"
                                          : " (baseline computed and cached)");
    std::cout << "\n";
    for (const auto& s : r.summaries)
        printSummary(std::cout, s);
    std::cout << "stored in scorecard " << r.scorecardId << " ('" << r.scorecardName << "')\n";
    return 0;
}

} // namespace

void addEvalCommand(CLI::App& app, CommandTable& table) {
    auto o = std::make_shared<EvalOptions>();
    auto* cmd = app.add_subcommand(
        "eval", "Score a variant per example on an evaluation set into a workspace scorecard");
    cmd->add_option("--workspace", o->request.workspace, "Workspace file")->required();
    cmd->add_option("--set", o->request.set, "NAME or NAME@VERSION ('evalset list')")->required();
    cmd->add_option("--variant", o->request.variant,
                    "Model file, or a workspace variant's id or format")
        ->required();
    cmd->add_option("--base-variant", o->request.baseVariant,
                    "Baseline (default: a workspace variant's source model)");
    cmd->add_option("--scorecard", o->request.scorecard,
                    "Scorecard name (default: 'eval NAME@vN')");
    cmd->add_option("-t,--threads", o->request.threads, "Threads (default: all cores)");
    cmd->add_flag("--json", o->json, "Machine-readable output");
    table.add(cmd, [o] { return runEval(*o); });
}

} // namespace ql::cli
