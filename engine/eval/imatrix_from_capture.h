#pragma once
// An importance matrix as llama.cpp's llama-imatrix computes it, from an activation
// capture: for each linear weight, the sum over tokens of every input column squared and
// the token count. That sum is the diagonal of the captured Gram matrix X^T X, so the
// capture that gives the output-aware error also gives llama-quantize its --imatrix.
//
// As llama-imatrix: only the blk.* weights unless processOutput (its --process-output
// adds output.weight); chunk_count is the chunks evaluated, chunk_size n_ctx, datasets
// the text file as given; the legacy .dat stores (sum / tokens) * ncall with ncall the
// token count over chunk_size rounded up, the GGUF one the sums and counts themselves.
#include "engine/eval/activation_capture.h"
#include "engine/quant/imatrix_file.h"

#include <filesystem>
#include <string>
#include <vector>

namespace ql {

class JobContext;

struct ImatrixProvenance {
    ImatrixFormat format = ImatrixFormat::Gguf;
    std::string dataset;    // the text file, as given
    int32_t chunkCount = 0; // chunks evaluated
    uint32_t chunkSize = 0; // tokens per chunk (n_ctx)
};

// The weights llama-imatrix collects among a model's linear weights, in their order.
std::vector<std::string> imatrixWeightNames(const std::vector<std::string>& linearNames,
                                            bool processOutput);

// One entry per weight, by name; throws ql::Error when a weight's input was not captured.
Imatrix imatrixFromCapture(const ActivationCapture& capture,
                           const std::vector<std::string>& weightNames,
                           const ImatrixProvenance& provenance);

struct ImatrixRequest {
    std::filesystem::path model;
    std::filesystem::path text;
    int64_t nCtx = 512;
    int64_t maxChunks = -1; // < 0: every whole chunk of the text
    int threads = 0;        // 0: every core
    bool processOutput = false;
    ImatrixFormat format = ImatrixFormat::Gguf;
};

struct ImatrixOutcome {
    Imatrix imatrix;
    int64_t chunks = 0;
    int64_t tokens = 0; // tokens evaluated (chunks * n_ctx)
};

// The whole job: opens the model, tokenizes the text, captures over llama-perplexity's
// chunks (one progress step per chunk, cancel between chunks) and converts. Throws
// ql::Error naming the text file when it is missing or shorter than one chunk.
ImatrixOutcome computeImatrix(const ImatrixRequest& request, JobContext& job);

} // namespace ql
