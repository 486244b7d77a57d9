#include "engine/eval/chunks.h"

#include "engine/core/error.h"
#include "engine/core/parallel.h"
#include "engine/jobs/engine_thread.h"

#include <atomic>
#include <string>

namespace ql {

ChunkPlan planChunks(int64_t nTokens, int64_t nCtx, int64_t maxChunks) {
    if (nCtx < 4)
        throw Error("context size " + std::to_string(nCtx) + " is too small");
    ChunkPlan plan;
    plan.nCtx = nCtx;
    plan.first = nCtx / 2;
    plan.nChunks = nTokens / nCtx;
    if (maxChunks >= 0 && maxChunks < plan.nChunks)
        plan.nChunks = maxChunks;
    if (plan.nChunks < 1)
        throw Error("the text has " + std::to_string(nTokens) +
                    " tokens, fewer than one chunk of " + std::to_string(nCtx));
    return plan;
}

void forEachChunk(std::span<const TokenId> tokens, const ChunkPlan& plan, TokenId bos,
                  const RunOptions& options, const std::string& stage, const ChunkTokensFn& fn) {
    if (int64_t(tokens.size()) < plan.evaluatedTokens())
        throw Error("forEachChunk: fewer tokens than the plan needs");
    if (options.job) {
        options.job->setTotal(plan.nChunks);
        options.job->setStage(stage);
    }
    const int threads = options.threads > 0 ? options.threads : defaultThreadCount();
    std::atomic<int64_t> next{0};
    // One worker per thread pulls whole chunks: no synchronisation inside a chunk.
    parallelFor(threads, threads, 1, [&](int64_t, int64_t) {
        std::vector<TokenId> chunk(size_t(plan.nCtx));
        std::vector<float> logits;
        for (int64_t c = next++; c < plan.nChunks; c = next++) {
            if (options.job)
                options.job->checkCancelled();
            const auto begin = tokens.begin() + c * plan.nCtx;
            std::copy(begin, begin + plan.nCtx, chunk.begin());
            chunk[0] = bos;
            fn(c, chunk, logits);
            if (options.job)
                options.job->advance();
        }
    });
}

void runChunks(const LlamaForward& model, std::span<const TokenId> tokens, const ChunkPlan& plan,
               TokenId bos, const RunOptions& options, const ChunkFn& fn) {
    const int64_t vocab = model.vocabSize();
    const std::string stage = "evaluating " + std::to_string(plan.nChunks) + " chunks of " +
                              std::to_string(plan.nCtx) + " tokens";
    forEachChunk(
        tokens, plan, bos, options, stage,
        [&](int64_t c, std::span<const TokenId> chunk, std::vector<float>& logits) {
            model.evaluate(chunk, plan.first, logits);
            fn(c, std::span<const float>(logits).first(size_t(plan.scoredPerChunk() * vocab)));
        });
}

} // namespace ql
