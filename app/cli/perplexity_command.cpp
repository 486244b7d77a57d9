// quantlens-cli perplexity: llama-perplexity's figures for a model on a text, and with a
// baseline model its KL-divergence statistics against that baseline.
#include "app/cli/commands.h"
#include "app/cli/eval_output.h"
#include "app/cli/eval_store_output.h"
#include "app/cli/json_output.h"
#include "engine/eval/eval_model.h"
#include "engine/eval/perplexity.h"
#include "engine/eval/text_file.h"
#include "engine/model/model.h"
#include "engine/store/workspace.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

namespace ql::cli {
namespace {

struct PerplexityOptions {
    std::string model;
    std::string text;
    std::string base;
    int64_t nCtx = 512;
    int64_t chunks = -1;
    int threads = 0;
    bool json = false;
    std::string workspace; // store the results as a scorecard there
    std::string scorecard = "perplexity";
    std::string variant, baseVariant, slice;
};

struct Evaluated {
    std::unique_ptr<Model> model;
    Tokenizer tokenizer;
    std::unique_ptr<LlamaForward> forward;
};

// A model file, or with a workspace one of its variants (by id or format), whose weights
// are rebuilt from its source model (engine/eval/eval_model.h).
Evaluated load(const std::string& path, const std::string& workspace) {
    std::optional<Workspace> ws;
    if (!workspace.empty() && !std::filesystem::exists(path))
        ws.emplace(workspace);
    EvalModel m = openEvalModel(path, ws ? &*ws : nullptr);
    return {std::move(m.model), std::move(m.tokenizer), std::move(m.forward)};
}

nlohmann::json klJson(const KlDivergenceResult& k) {
    const PplComparison& c = k.comparison;
    return {{"ppl", k.ppl},
            {"ppl_error", k.pplError},
            {"ppl_base_from_cache", k.pplBase},
            {"ppl_base_from_cache_error", k.pplBaseError},
            {"nll_correlation", c.nllCorrelation},
            {"ln_ppl_ratio", c.lnRatio},
            {"ln_ppl_ratio_error", c.lnRatioError},
            {"ppl_ratio", c.ratio},
            {"ppl_ratio_error", c.ratioError},
            {"ppl_difference", c.difference},
            {"ppl_difference_error", c.differenceError},
            {"mean_kld", k.kld.mean},
            {"mean_kld_error", k.kld.error},
            {"kld", percentilesJson(k.kldPercentiles)},
            {"mean_delta_p", k.deltaP.mean},
            {"mean_delta_p_error", k.deltaP.error},
            {"delta_p", percentilesJson(k.deltaPPercentiles)},
            {"rms_delta_p", k.rmsDeltaP},
            {"rms_delta_p_error", k.rmsDeltaPError},
            {"same_top_p", k.sameTop},
            {"same_top_p_error", k.sameTopError}};
}

struct PercentileLine {
    const char* label;
    double Percentiles::*level;
    bool kld; // the KLD block prints it too; the delta-p block prints every level
};

// llama-perplexity's percentile lines, top down.
constexpr PercentileLine kPercentileLines[] = {
    {"Maximum", &Percentiles::max, true},    {"99.9%  ", &Percentiles::p999, true},
    {"99.0%  ", &Percentiles::p99, true},    {"95.0%  ", &Percentiles::p95, true},
    {"90.0%  ", &Percentiles::p90, true},    {"75.0%  ", &Percentiles::p75, false},
    {"Median ", &Percentiles::median, true}, {"25.0%  ", &Percentiles::p25, false},
    {"10.0%  ", &Percentiles::p10, true},    {" 5.0%  ", &Percentiles::p05, true},
    {" 1.0%  ", &Percentiles::p01, true},    {" 0.1%  ", &Percentiles::p001, true},
    {"Minimum", &Percentiles::min, true}};

// The summary block in llama-perplexity's order and format (perplexity.cpp,
// kl_divergence), so that its parsers read ours.
void printKl(std::ostream& out, const KlDivergenceResult& k) {
    const PplComparison& c = k.comparison;
    out << "\n====== Perplexity statistics ======\n"
        << "Mean PPL(Q)                   : " << fmt("%10.6f ± %10.6f", k.ppl, k.pplError) << "\n"
        << "Mean PPL(base)                : " << fmt("%10.6f ± %10.6f", k.pplBase, k.pplBaseError)
        << "   (from the clamped baseline cache)\n"
        << "Cor(ln(PPL(Q)), ln(PPL(base))): " << fmt("%6.2f%%", 100 * c.nllCorrelation) << "\n"
        << "Mean ln(PPL(Q)/PPL(base))     : " << fmt("%10.6f ± %10.6f", c.lnRatio, c.lnRatioError)
        << "\n"
        << "Mean PPL(Q)/PPL(base)         : " << fmt("%10.6f ± %10.6f", c.ratio, c.ratioError)
        << "\n"
        << "Mean PPL(Q)-PPL(base)         : "
        << fmt("%10.6f ± %10.6f", c.difference, c.differenceError) << "\n"
        << "\n====== KL divergence statistics ======\n"
        << "Mean    KLD: " << fmt("%10.6f ± %10.6f", k.kld.mean, k.kld.error) << "\n";
    for (const PercentileLine& line : kPercentileLines)
        if (line.kld)
            out << line.label << " KLD: " << fmt("%10.6f", k.kldPercentiles.*line.level) << "\n";
    out << "\n====== Token probability statistics ======\n"
        << "Mean    Δp: " << fmt("%6.3f ± %5.3f %%", 100 * k.deltaP.mean, 100 * k.deltaP.error)
        << "\n";
    for (const PercentileLine& line : kPercentileLines)
        out << line.label << " Δp: " << fmt("%6.3f%%", 100 * (k.deltaPPercentiles.*line.level))
            << "\n";
    out << "RMS Δp    : " << fmt("%6.3f ± %5.3f %%", 100 * k.rmsDeltaP, 100 * k.rmsDeltaPError)
        << "\n"
        << "Same top p: " << fmt("%6.3f ± %5.3f %%", 100 * k.sameTop, 100 * k.sameTopError) << "\n";
}

int runPerplexity(const PerplexityOptions& o) {
    const std::string text = readEvalText(o.text);
    RunOptions run;
    run.nCtx = o.nCtx;
    run.maxChunks = o.chunks;
    run.threads = o.threads;
    const Evaluated target = load(o.model, o.workspace);
    // With a baseline, the text is tokenized by the baseline (llama.cpp takes the
    // tokens from the base file) and the baseline's distributions are cached first.
    std::optional<Evaluated> base;
    if (!o.base.empty())
        base = load(o.base, o.workspace);
    const Evaluated& tokenSource = base ? *base : target;
    const auto tokens = tokenSource.tokenizer.tokenize(text);
    std::optional<BaselineCache> cache;
    PerplexityResult basePpl;
    if (base)
        basePpl = computePerplexity(*base->forward, tokens, base->tokenizer.bos(), run, &cache);
    const PerplexityResult ppl =
        base ? PerplexityResult{}
             : computePerplexity(*target.forward, tokens, target.tokenizer.bos(), run);
    std::optional<KlDivergenceResult> kl;
    if (base)
        kl = computeKlDivergence(*target.forward, *cache, target.tokenizer.bos(), run);
    const ChunkPlan& plan = base ? kl->plan : ppl.plan;
    if (!o.workspace.empty()) {
        const auto stem = [](const std::string& p) {
            return std::filesystem::path(p).stem().string();
        };
        EvalStoreRequest request{o.workspace,
                                 o.scorecard,
                                 o.variant.empty() ? stem(o.model) : o.variant,
                                 o.baseVariant.empty() ? stem(o.base) : o.baseVariant,
                                 o.slice.empty() ? stem(o.text) : o.slice,
                                 o.text,
                                 o.model};
        const int64_t id = storeEvalScorecard(request, base ? &basePpl : nullptr,
                                              base ? nullptr : &ppl, kl ? &*kl : nullptr);
        std::cerr << "stored in scorecard " << id << " ('" << o.scorecard << "') of " << o.workspace
                  << "\n";
    }
    const double value = base ? kl->ppl : ppl.ppl, error = base ? kl->pplError : ppl.pplError;
    if (o.json) {
        nlohmann::json j = {{"model", o.model},
                            {"text", o.text},
                            {"n_ctx", plan.nCtx},
                            {"n_tokens", tokens.size()},
                            {"n_chunks", plan.nChunks},
                            {"n_tokens_scored", plan.scoredTokens()},
                            {"ppl", value},
                            {"ppl_error", error}};
        if (base) {
            j["base"] = {{"model", o.base},
                         {"ppl", basePpl.ppl},
                         {"ppl_error", basePpl.pplError},
                         {"cache_bytes", cache->bytes()}};
            j["kl_divergence"] = klJson(*kl);
        }
        printJson(std::cout, j);
        return 0;
    }
    std::cout << "perplexity: " << tokens.size() << " tokens, " << plan.nChunks
              << " chunks, n_ctx=" << plan.nCtx << ", " << plan.scoredTokens()
              << " tokens scored\n";
    if (base)
        std::cout << "base: PPL = " << fmt("%.4f +/- %.5f", basePpl.ppl, basePpl.pplError)
                  << " (baseline cache " << cache->bytes() << " bytes)\n";
    std::cout << "Final estimate: PPL = " << fmt("%.4f +/- %.5f", value, error) << "\n";
    if (kl)
        printKl(std::cout, *kl);
    return 0;
}

} // namespace

void addPerplexityCommand(CLI::App& app, CommandTable& table) {
    auto o = std::make_shared<PerplexityOptions>();
    auto* cmd = app.add_subcommand(
        "perplexity", "Perplexity (and KL divergence against a baseline) as llama-perplexity");
    cmd->add_option("model", o->model,
                    "Model to score: a file, or with --workspace a variant's id or format")
        ->required();
    cmd->add_option("-f,--file", o->text, "Text file (one trailing newline is dropped)")
        ->required();
    cmd->add_option("-c,--ctx-size", o->nCtx, "Tokens per chunk")->capture_default_str();
    cmd->add_option("--kl-divergence-base", o->base, "Baseline model to compare against");
    cmd->add_option("--chunks", o->chunks, "Evaluate at most this many chunks");
    cmd->add_option("-t,--threads", o->threads, "Threads (default: all cores)");
    cmd->add_flag("--json", o->json, "Machine-readable output");
    cmd->add_option("--workspace", o->workspace,
                    "Store per-chunk results as a scorecard in this workspace");
    cmd->add_option("--scorecard", o->scorecard, "Scorecard name (merged into when it exists)")
        ->capture_default_str();
    cmd->add_option("--variant", o->variant, "Variant label (default: the model's file name)");
    cmd->add_option("--base-variant", o->baseVariant, "Baseline label (default: its file name)");
    cmd->add_option("--slice", o->slice, "Slice label (default: the text's file name)");
    table.add(cmd, [o] { return runPerplexity(*o); });
}

} // namespace ql::cli
