#include "engine/eval/eval_scorecard.h"

namespace ql {
namespace {

// Mean of each chunk's run of scored tokens: one example per chunk.
template <typename T>
std::vector<score::ExampleResult> chunkMeans(const std::vector<T>& perToken, int64_t perChunk) {
    std::vector<score::ExampleResult> out;
    if (perChunk <= 0)
        return out;
    for (size_t begin = 0, chunk = 0; begin + size_t(perChunk) <= perToken.size();
         begin += size_t(perChunk), ++chunk) {
        double sum = 0;
        for (size_t i = begin; i < begin + size_t(perChunk); ++i)
            sum += double(perToken[i]);
        out.push_back({"chunk-" + std::to_string(chunk), sum / double(perChunk)});
    }
    return out;
}

std::vector<score::ExampleResult> constantExamples(size_t count, double value) {
    std::vector<score::ExampleResult> out;
    for (size_t i = 0; i < count; ++i)
        out.push_back({"chunk-" + std::to_string(i), value});
    return out;
}

score::ScoreCell cell(const std::string& variant, const std::string& dimension,
                      const std::string& slice, std::vector<score::ExampleResult> examples) {
    score::ScoreCell c;
    c.variant = variant;
    c.dimension = dimension;
    c.slice = slice;
    c.n = int64_t(examples.size());
    c.score = score::exampleMean(examples);
    c.examples = std::move(examples);
    return c;
}

} // namespace

std::vector<score::ScoreCell> baselineCells(const std::string& variant, const std::string& slice,
                                            const PerplexityResult& r) {
    auto nll = chunkMeans(r.tokenNll, r.plan.scoredPerChunk());
    const size_t chunks = nll.size();
    return {cell(variant, "nll", slice, std::move(nll)),
            cell(variant, "kld", slice, constantExamples(chunks, 0.0)),
            cell(variant, "same_top", slice, constantExamples(chunks, 1.0))};
}

std::vector<score::ScoreCell> klDivergenceCells(const std::string& variant,
                                                const std::string& slice,
                                                const KlDivergenceResult& k) {
    const int64_t perChunk = k.plan.scoredPerChunk();
    return {cell(variant, "nll", slice, chunkMeans(k.tokenNll, perChunk)),
            cell(variant, "kld", slice, chunkMeans(k.tokenKld, perChunk)),
            cell(variant, "same_top", slice, chunkMeans(k.tokenSameTop, perChunk))};
}

std::string perplexityEvalSetVersion(const std::string& textHash, int64_t nCtx, int64_t nChunks) {
    return "text:" + textHash + ";n_ctx=" + std::to_string(nCtx) +
           ";chunks=" + std::to_string(nChunks);
}

} // namespace ql
