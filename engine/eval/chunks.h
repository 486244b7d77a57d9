#pragma once
// How llama-perplexity cuts a token stream into evaluation chunks and which positions
// it scores, and a runner that evaluates the chunks on several threads.
#include "engine/eval/llama_forward.h"

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace ql {

class JobContext;

struct ChunkPlan {
    int64_t nCtx = 0;
    int64_t nChunks = 0; // floor(n_tokens / n_ctx), at most maxChunks; the tail is dropped
    int64_t first = 0;   // n_ctx / 2: the first half of a chunk is context only
    // Logits at positions first .. n_ctx-2 predict tokens first+1 .. n_ctx-1.
    int64_t scoredPerChunk() const { return nCtx - 1 - first; }
    int64_t scoredTokens() const { return nChunks * scoredPerChunk(); }
    int64_t evaluatedTokens() const { return nChunks * nCtx; }
};

// maxChunks < 0: all whole chunks. Throws ql::Error when not even one chunk fits.
ChunkPlan planChunks(int64_t nTokens, int64_t nCtx, int64_t maxChunks = -1);

struct RunOptions {
    int64_t nCtx = 512;
    int64_t maxChunks = -1;
    int threads = 0;           // 0: defaultThreadCount()
    JobContext* job = nullptr; // progress (one step per chunk) and cancellation
};

// Called once per chunk, possibly from several threads at once (chunks are independent
// sequences); logits holds scoredPerChunk() rows of vocabSize, row r for position first+r.
using ChunkFn = std::function<void(int64_t chunk, std::span<const float> logits)>;

// The one chunk loop: hands every chunk of the plan, its first token replaced by bos
// (llama-perplexity does so when the vocab adds BOS; the chunk stays n_ctx long), to
// `fn`, with a logits buffer the thread reuses. Threads take whole chunks, so a chunk's
// result does not depend on the thread count. Progress is one step per chunk under
// `stage`; cancellation is checked before each chunk, so it stops between chunks.
using ChunkTokensFn =
    std::function<void(int64_t chunk, std::span<const TokenId> tokens, std::vector<float>& logits)>;
void forEachChunk(std::span<const TokenId> tokens, const ChunkPlan& plan, TokenId bos,
                  const RunOptions& options, const std::string& stage, const ChunkTokensFn& fn);

// Evaluates every chunk (forEachChunk) and passes its scored logits to fn.
void runChunks(const LlamaForward& model, std::span<const TokenId> tokens, const ChunkPlan& plan,
               TokenId bos, const RunOptions& options, const ChunkFn& fn);

} // namespace ql
