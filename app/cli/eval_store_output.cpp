#include "app/cli/eval_store_output.h"

#include "engine/eval/eval_scorecard.h"
#include "engine/store/score_store.h"

#include <algorithm>

namespace ql::cli {
namespace {

score::Scorecard makeCard(const EvalStoreRequest& r, const ChunkPlan& plan) {
    score::Scorecard card;
    card.name = r.scorecard;
    card.sourcePath = r.textPath;
    card.sourceHash = hashFiles({r.textPath});
    card.evalSetVersion = perplexityEvalSetVersion(card.sourceHash, plan.nCtx, plan.nChunks);
    card.evaluator =
        std::string("quantlens ") + QUANTLENS_VERSION + " perplexity (llama-perplexity compatible)";
    card.baseline = r.baseVariant;
    return card;
}

void append(score::Scorecard& card, std::vector<score::ScoreCell> cells) {
    for (auto& c : cells)
        card.cells.push_back(std::move(c));
}

} // namespace

int64_t storeEvalScorecard(const EvalStoreRequest& r, const PerplexityResult* base,
                           const PerplexityResult* alone, const KlDivergenceResult* kl) {
    const ChunkPlan& plan = kl ? kl->plan : alone->plan;
    score::Scorecard card = makeCard(r, plan);
    if (base)
        append(card, baselineCells(r.baseVariant, r.slice, *base));
    if (kl)
        append(card, klDivergenceCells(r.variant, r.slice, *kl));
    if (alone) { // no baseline: only the model's own likelihood can be scored
        auto cells = baselineCells(r.variant, r.slice, *alone);
        cells.resize(1);
        append(card, std::move(cells));
    }
    Workspace ws(r.workspace);
    for (const auto& existing : scorecardList(ws)) {
        if (existing.name != card.name)
            continue;
        // The baseline is scored again by every KL run; keep the copy already there
        // (the merge checks that both came from the same evaluation set version).
        const auto present = loadScorecard(ws, existing.id)->variants();
        if (std::find(present.begin(), present.end(), r.baseVariant) != present.end())
            std::erase_if(card.cells, [&](const auto& c) { return c.variant == r.baseVariant; });
        mergeIntoScorecard(ws, existing.id, card);
        return existing.id;
    }
    return addScorecard(ws, card);
}

} // namespace ql::cli
