// quantlens-cli evalset import|list: evaluation sets in a workspace, versioned by a
// content hash of their examples and evaluator settings.
#include "app/cli/commands.h"
#include "app/cli/json_output.h"
#include "engine/core/error.h"
#include "engine/eval/eval_set_import.h"
#include "engine/model/model.h"
#include "engine/store/evalset_store.h"

#include <iostream>
#include <nlohmann/json.hpp>

namespace ql::cli {
namespace {

struct ImportOptions {
    std::string workspace, file, name, separator, scoring = "document", tokenizerModel;
    int64_t nCtx = 512;
    int64_t baselineTopK = 0;
    bool json = false;
};

std::vector<EvalExample> readExamples(const ImportOptions& o) {
    if (!o.separator.empty())
        return readSeparatedExamples(o.file, o.separator);
    return readJsonlExamples(o.file);
}

// "full log-prob baseline" or "top-32 baseline": how the set keeps baseline distributions.
std::string baselineEncoding(const EvalSettings& s) {
    return s.baselineTopK > 0 ? "top-" + std::to_string(s.baselineTopK) + " baseline"
                              : std::string("full log-prob baseline");
}

nlohmann::json versionJson(const EvalSetVersion& v) {
    return {{"name", v.name},
            {"version", v.version},
            {"label", v.label()},
            {"content_hash", v.contentHash},
            {"examples_hash", v.examplesHash},
            {"settings", nlohmann::json::parse(settingsJson(v.settings))},
            {"baseline_top_k", v.settings.baselineTopK},
            {"examples", v.exampleCount},
            {"source", v.sourcePath},
            {"created_at", v.createdAt}};
}

int runImport(const ImportOptions& o) {
    EvalSettings settings;
    settings.nCtx = o.nCtx;
    settings.scoring = exampleScoringFromName(o.scoring);
    checkBaselineTopK(o.baselineTopK);
    settings.baselineTopK = int32_t(o.baselineTopK);
    if (!o.tokenizerModel.empty())
        settings.tokenizer =
            Tokenizer::fromMetadata(Model::open(o.tokenizerModel)->metadata()).fingerprint();
    const auto examples = readExamples(o);
    Workspace ws(o.workspace);
    const std::string name =
        o.name.empty() ? std::filesystem::path(o.file).stem().string() : o.name;
    const EvalSetImport r =
        importEvalSet(ws, name, examples, settings, o.file, hashFiles({o.file}));
    if (o.json) {
        auto j = versionJson(r.version);
        j["created"] = r.created;
        printJson(std::cout, j);
        return 0;
    }
    std::cout << (r.created ? "imported " : "unchanged: ") << r.version.name << "@v"
              << r.version.version << " (" << r.version.exampleCount << " examples, n_ctx "
              << settings.nCtx << ", " << exampleScoringName(settings.scoring) << " scoring, "
              << baselineEncoding(settings) << ", hash " << r.version.contentHash << ")\n";
    return 0;
}

int runList(const std::string& workspace, bool json) {
    Workspace ws(workspace);
    const auto versions = evalSetVersions(ws);
    if (json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& v : versions)
            out.push_back(versionJson(v));
        printJson(std::cout, out);
        return 0;
    }
    for (const auto& v : versions)
        std::cout << v.name << "@v" << v.version << "  " << v.exampleCount << " examples  n_ctx "
                  << v.settings.nCtx << "  " << exampleScoringName(v.settings.scoring) << "  "
                  << baselineEncoding(v.settings) << "  " << v.contentHash << "  " << v.sourcePath
                  << "\n";
    if (versions.empty())
        std::cout << "no evaluation sets in " << workspace << "\n";
    return 0;
}

} // namespace

void addEvalSetCommand(CLI::App& app, CommandTable& table) {
    auto* cmd = app.add_subcommand("evalset", "Evaluation sets in a workspace");
    cmd->require_subcommand(1);
    auto o = std::make_shared<ImportOptions>();
    auto* imp = cmd->add_subcommand("import", "Import a JSONL or separated-text evaluation set");
    imp->add_option("--workspace", o->workspace, "Workspace file")->required();
    imp->add_option("file", o->file,
                    "JSONL ({\"id\",\"text\",\"slice\",\"dimension\"} per line), "
                    "or text with --separator")
        ->required();
    imp->add_option("--name", o->name, "Set name (default: the file's stem)");
    imp->add_option("--separator", o->separator,
                    "Text file: a line equal to this separates examples (e.g. '<|endoftext|>')");
    imp->add_option("-c,--ctx-size", o->nCtx, "Window length in tokens")->capture_default_str();
    imp->add_option("--scoring", o->scoring, "document or llama-perplexity")->capture_default_str();
    imp->add_option("--baseline-top-k", o->baselineTopK,
                    "Keep the baseline's k most probable tokens and a tail bucket per scored "
                    "token (8k+8 bytes; KLD a lower bound) instead of the full log-prob record "
                    "(2*n_vocab+8 bytes); 0: full")
        ->capture_default_str();
    imp->add_option("--tokenizer", o->tokenizerModel,
                    "Pin the set to this model's tokenizer (else each model's own)");
    imp->add_flag("--json", o->json, "Machine-readable output");
    table.add(imp, [o] { return runImport(*o); });

    auto list = std::make_shared<std::pair<std::string, bool>>();
    auto* ls = cmd->add_subcommand("list", "List evaluation sets and their versions");
    ls->add_option("--workspace", list->first, "Workspace file")->required();
    ls->add_flag("--json", list->second, "Machine-readable output");
    table.add(ls, [list] { return runList(list->first, list->second); });
}

} // namespace ql::cli
