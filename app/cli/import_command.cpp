// quantlens-cli import: lm-eval results or a long-format CSV/JSONL into scorecards.
#include "app/cli/commands.h"
#include "app/cli/json_output.h"
#include "engine/core/error.h"
#include "engine/score/importer.h"
#include "engine/store/score_store.h"

#include <iostream>
#include <nlohmann/json.hpp>

namespace ql::cli {

namespace {

struct ImportArgs {
    std::string workspace, file, mapping, baseline, variant, name, evalSet, evaluator;
    int64_t into = 0;
    double scale = 1.0;
    bool json = false;
};

score::ImportOptions importOptions(const ImportArgs& a) {
    score::ImportOptions o;
    if (!a.mapping.empty())
        o.mapping = score::parseMapping(a.mapping);
    o.baseline = a.baseline;
    o.variantName = a.variant;
    o.name = a.name;
    o.evalSetVersion = a.evalSet;
    o.evaluator = a.evaluator;
    o.scoreScale = a.scale;
    return o;
}

nlohmann::json summary(int64_t id, const score::Scorecard& c) {
    return {{"id", id},
            {"name", c.name},
            {"variants", c.variants().size()},
            {"dimensions", c.dimensions().size()},
            {"slices", c.slices().size()},
            {"cells", c.cells.size()},
            {"baseline", c.baseline},
            {"evaluator", c.evaluator},
            {"eval_set_version", c.evalSetVersion}};
}

int runImport(const ImportArgs& a) {
    const auto cards = score::importFile(a.file, importOptions(a));
    Workspace ws(a.workspace);
    if (a.into > 0 && cards.size() != 1)
        throw Error(a.file + ": --into takes a file with one scorecard; this one has " +
                    std::to_string(cards.size()));
    nlohmann::json out = nlohmann::json::array();
    for (const auto& card : cards) {
        const int64_t id =
            a.into > 0 ? (mergeIntoScorecard(ws, a.into, card), a.into) : addScorecard(ws, card);
        out.push_back(summary(id, card));
    }
    if (a.json) {
        printJson(std::cout, out);
        return 0;
    }
    for (const auto& s : out)
        std::cout << (a.into > 0 ? "added to scorecard " : "imported scorecard ")
                  << s["id"].get<int64_t>() << " '" << s["name"].get<std::string>()
                  << "': " << s["variants"] << " variants, " << s["dimensions"] << " dimensions, "
                  << s["slices"] << " slices, " << s["cells"] << " cells, baseline '"
                  << s["baseline"].get<std::string>() << "'\n";
    return 0;
}

} // namespace

void addImportCommand(CLI::App& app, CommandTable& table) {
    auto a = std::make_shared<ImportArgs>();
    auto* cmd = app.add_subcommand("import", "Import evaluation results as scorecards");
    cmd->add_option("--workspace", a->workspace, "Workspace file")->required();
    cmd->add_option("file", a->file, "lm-eval results_*.json, or a long-format .csv/.jsonl")
        ->required();
    cmd->add_option("--mapping", a->mapping,
                    "Columns to roles: variant=COL,slice=COL,dimension=COL,score=COL,n=COL,"
                    "example=COL,stderr=COL,group=COL,evaluator=COL (see docs/gates.md)");
    cmd->add_option("--baseline", a->baseline, "Baseline variant (trailing * matches a prefix)");
    cmd->add_option("--variant", a->variant, "lm-eval: the variant this results file scored");
    cmd->add_option("--name", a->name, "Scorecard name when the file has no group column");
    cmd->add_option("--into", a->into, "Add the file's variants to this scorecard id");
    cmd->add_option("--eval-set", a->evalSet, "Evaluation set version (default: derived)");
    cmd->add_option("--evaluator", a->evaluator, "Evaluator name (default: derived)");
    cmd->add_option("--score-scale", a->scale, "Multiply scores, e.g. 0.01 for percent");
    cmd->add_flag("--json", a->json, "Machine-readable output");
    table.add(cmd, [a] { return runImport(*a); });
}

} // namespace ql::cli
