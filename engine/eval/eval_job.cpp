#include "engine/eval/eval_job.h"

#include "engine/core/error.h"
#include "engine/eval/eval_model.h"
#include "engine/jobs/engine_thread.h"
#include "engine/score/importer.h"
#include "engine/store/score_store.h"

#include <algorithm>
#include <optional>

namespace ql {
namespace {

std::vector<std::vector<TokenId>> tokenize(const Tokenizer& tokenizer,
                                           const std::vector<EvalExample>& examples) {
    std::vector<std::vector<TokenId>> out;
    out.reserve(examples.size());
    for (const auto& e : examples)
        out.push_back(tokenizer.tokenize(e.text));
    return out;
}

void requireTokenizer(const EvalModel& m, const EvalSetVersion& v) {
    if (!v.settings.tokenizer.empty() && v.settings.tokenizer != m.tokenizer.fingerprint())
        throw Error(v.name + "@v" + std::to_string(v.version) + " is pinned to tokenizer " +
                    v.settings.tokenizer + "; " + m.label + " has tokenizer " +
                    m.tokenizer.fingerprint());
}

std::optional<EvalModel> openBase(const EvalRequest& r, const EvalModel& target,
                                  const Workspace& ws) {
    if (!r.baseVariant.empty())
        return openEvalModel(r.baseVariant, &ws);
    if (target.variantId)
        return openEvalModel(target.model->path().string(), nullptr);
    return std::nullopt;
}

score::Scorecard cardFor(const EvalRequest& r, const EvalSetVersion& v, const EvalModel& target,
                         const std::string& baseLabel) {
    score::Scorecard card;
    card.name =
        r.scorecard.empty() ? "eval " + v.name + "@v" + std::to_string(v.version) : r.scorecard;
    card.sourcePath = v.sourcePath;
    card.sourceHash = v.sourceHash;
    card.evalSetVersion = v.label() + ";tokenizer=" + target.tokenizer.fingerprint();
    card.evaluator = std::string("quantlens ") + QUANTLENS_VERSION + " per-example evaluator " +
                     settingsJson(v.settings);
    card.baseline = baseLabel;
    return card;
}

std::optional<score::Scorecard> existingCard(const Workspace& ws, const std::string& name) {
    for (const auto& c : scorecardList(ws))
        if (c.name == name)
            return loadScorecard(ws, c.id);
    return std::nullopt;
}

bool hasVariant(const std::optional<score::Scorecard>& card, const std::string& label) {
    if (!card)
        return false;
    const auto v = card->variants();
    return std::find(v.begin(), v.end(), label) != v.end();
}

int64_t storeCard(Workspace& ws, score::Scorecard card) {
    if (const auto existing = existingCard(ws, card.name)) {
        mergeIntoScorecard(ws, existing->id, card);
        return existing->id;
    }
    return addScorecard(ws, card);
}

} // namespace

EvalOutcome runEvaluation(const EvalRequest& r, JobContext& job) {
    Workspace ws(r.workspace);
    EvalOutcome out;
    out.version = findEvalSetVersion(ws, r.set);
    const std::vector<EvalExample> examples = evalSetExamples(ws, out.version.id);
    job.setStage("loading " + r.variant);
    const EvalModel target = openEvalModel(r.variant, &ws);
    requireTokenizer(target, out.version);
    const std::optional<EvalModel> base = openBase(r, target, ws);
    ExampleRunOptions options{out.version.settings, r.threads, &job};
    out.variantLabel = target.label;
    score::Scorecard card = cardFor(r, out.version, target, base ? base->label : "");
    out.scorecardName = card.name;
    const auto existing = existingCard(ws, card.name);

    if (!base) {
        const ExampleRun run = scoreExamples(*target.forward, tokenize(target.tokenizer, examples),
                                             target.tokenizer.bos(), options);
        out.variantWindowsEvaluated = run.windowsEvaluated;
        out.tokensEvaluated = run.tokensEvaluated;
        out.summaries = summarizeSlices(examples, run.examples);
        card.cells = exampleCells(target.label, examples, run.examples, false);
    } else {
        if (base->tokenizer.fingerprint() != target.tokenizer.fingerprint())
            throw Error(target.label + " and its baseline " + base->label +
                        " tokenize differently; KL divergence needs one vocabulary");
        out.baseLabel = base->label;
        std::optional<ExampleBaseline> cached =
            loadEvalBaseline(ws, out.version.id, base->identity);
        // The baseline runs when its distributions are not cached, or when this
        // scorecard does not hold its cells yet (they need its exact NLLs).
        if (!cached || !hasVariant(existing, base->label)) {
            job.setStage("baseline " + base->label);
            ExampleBaseline record;
            const ExampleRun baseRun =
                scoreExamples(*base->forward, tokenize(base->tokenizer, examples),
                              base->tokenizer.bos(), options, cached ? nullptr : &record);
            out.baselineWindowsEvaluated = baseRun.windowsEvaluated;
            if (!cached) {
                storeEvalBaseline(ws, out.version.id, base->identity, base->label, record);
                cached = std::move(record);
            }
            if (!hasVariant(existing, base->label))
                card.cells = exampleCells(base->label, examples, baseRun.examples, true);
            if (target.identity == base->identity)
                out.summaries = summarizeSlices(examples, baseRun.examples);
        } else {
            out.baselineFromCache = true;
        }
        out.baselineBytes = cached->bytes();
        if (target.identity != base->identity) { // else: the baseline's cells say it all
            job.setStage("scoring " + target.label);
            const ExampleRun run =
                scoreExamplesAgainst(*target.forward, *cached, target.tokenizer.bos(), options);
            out.variantWindowsEvaluated = run.windowsEvaluated;
            out.tokensEvaluated = run.tokensEvaluated;
            out.summaries = summarizeSlices(examples, run.examples);
            for (auto& c : exampleCells(target.label, examples, run.examples, false))
                card.cells.push_back(std::move(c));
        }
    }
    for (const auto& s : out.summaries)
        if (s.slice == "all")
            out.examplesScored = s.summary.examples;
    out.scorecardId = storeCard(ws, card);
    return out;
}

} // namespace ql
