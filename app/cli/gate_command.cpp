// quantlens-cli gate: judge variants against a policy. Exit codes, for scripts and CI:
// 0 every gated variant passes, 1 one fails, 3 none fails but one is inconclusive (a
// regression beyond the limit that is not significant, or a missing slice), 2 an error.
#include "app/cli/commands.h"
#include "app/cli/json_output.h"
#include "engine/core/error.h"
#include "engine/model/json_util.h"
#include "engine/score/gate.h"
#include "engine/store/score_store.h"

#include <algorithm>
#include <iostream>

namespace ql::cli {

namespace {

constexpr int kPass = 0, kFail = 1, kError = 2, kInconclusive = 3;

struct GateArgs {
    std::string workspace, policy, variant;
    int64_t id = 0;
    bool json = false;
};

void printResult(const score::Scorecard& card, const score::GateResult& r) {
    std::cout << "scorecard " << card.id << " '" << card.name << "' against baseline '"
              << r.baseline << "' (" << r.comparisons << " comparisons)\n";
    for (const auto& v : r.variants) {
        std::cout << "  " << v.variant << ": " << score::verdictName(v.verdict) << "\n";
        for (const auto& reason : v.reasons)
            std::cout << "    " << score::verdictName(reason.severity) << "  "
                      << (reason.slice.empty() ? "" : "slice '" + reason.slice + "' ")
                      << (reason.dimension.empty() ? "" : "dimension '" + reason.dimension + "'")
                      << ": " << reason.message << "\n";
    }
}

score::Verdict worse(score::Verdict a, score::Verdict b) {
    if (a == score::Verdict::Fail || b == score::Verdict::Fail)
        return score::Verdict::Fail;
    return a == score::Verdict::Inconclusive ? a : b;
}

int exitCode(score::Verdict v) {
    return v == score::Verdict::Pass ? kPass : v == score::Verdict::Fail ? kFail : kInconclusive;
}

int runGate(const GateArgs& a) {
    if (a.workspace.empty() || a.policy.empty())
        throw Error("gate needs --workspace and --policy");
    if (!std::filesystem::exists(a.workspace))
        throw Error(a.workspace + ": no such workspace");
    const auto policy = score::loadGatePolicy(a.policy);
    Workspace ws(a.workspace);
    const int64_t policyId = addGatePolicy(ws, policy.name, parseJsonFile(a.policy).dump());
    score::Verdict overall = score::Verdict::Pass;
    nlohmann::json out = nlohmann::json::array();
    int gated = 0;
    for (const auto& header : scorecardList(ws)) {
        if (a.id != 0 && header.id != a.id)
            continue;
        const auto card = *loadScorecard(ws, header.id);
        const auto variants = card.variants();
        if (!a.variant.empty() &&
            std::find(variants.begin(), variants.end(), a.variant) == variants.end())
            continue;
        const auto r = score::evaluateGate(card, policy, a.variant);
        addGateVerdicts(ws, policyId, card.id, r);
        overall = worse(overall, r.overall());
        auto j = score::gateResultJson(r);
        j["scorecard"] = card.id;
        out.push_back(j);
        if (!a.json)
            printResult(card, r);
        ++gated;
    }
    if (gated == 0)
        throw Error(a.workspace + ": nothing to gate" +
                    (a.id ? " (no scorecard " + std::to_string(a.id) + ")" : std::string()) +
                    (a.variant.empty() ? "" : " (no scorecard has variant '" + a.variant + "')"));
    if (a.json)
        printJson(std::cout, out);
    else
        std::cout << "verdict: " << score::verdictName(overall) << "\n";
    return exitCode(overall);
}

} // namespace

void addGateCommand(CLI::App& app, CommandTable& table) {
    auto a = std::make_shared<GateArgs>();
    auto* cmd = app.add_subcommand(
        "gate", "Judge variants against a gate policy (exit 0 pass, 1 fail, 3 inconclusive, 2 "
                "error)");
    // Not ->required(): CLI11 would exit with its own code; a missing option is exit 2 here.
    cmd->add_option("--workspace", a->workspace, "Workspace file");
    cmd->add_option("--policy", a->policy, "Gate policy JSON (docs/gates.md)");
    cmd->add_option("--scorecard", a->id, "Only this scorecard id (default: every one)");
    cmd->add_option("--variant", a->variant, "Only this variant (default: every non-baseline)");
    cmd->add_flag("--json", a->json, "Machine-readable output");
    table.add(cmd, [a] {
        try {
            return runGate(*a);
        } catch (const std::exception& e) {
            std::cerr << "quantlens-cli: error: " << e.what() << "\n";
            return kError;
        }
    });
}

} // namespace ql::cli
