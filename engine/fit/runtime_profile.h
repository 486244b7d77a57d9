#pragma once
// What an inference runtime adds on top of weights and KV cache. Every constant here is
// an ESTIMATE, editable by the caller, and documented in docs/fit-model.md; only
// llama.cpp's output buffer (and, for stories260K, its compute buffer) is checked
// against figures llama.cpp printed.
#include "engine/fit/model_shape.h"

#include <optional>
#include <string>
#include <string_view>

namespace ql::fit {

enum class Runtime { LlamaCpp, Vllm, TrtLlm };

struct RuntimeProfile {
    Runtime runtime = Runtime::LlamaCpp;
    std::string name;
    // Fixed per GPU: CUDA context, cuBLAS workspaces, CUDA graphs, allocator slack.
    uint64_t fixedBytes = 0;
    // Fraction of the card the runtime never uses: vLLM's 1 - gpu_memory_utilization,
    // TensorRT-LLM's 1 - free_gpu_memory_fraction (applied to the card, an approximation).
    double reservedFraction = 0;
    // Tokens in one forward pass for the activation estimate: llama.cpp's n_ubatch (capped
    // by the context), vLLM's max_num_batched_tokens, TensorRT-LLM's max_num_tokens.
    int64_t stepTokens = 512;
    bool flashAttention = false;
    int activationBytes = 4; // llama.cpp computes in f32; vLLM and TensorRT-LLM in bf16
    // Logits are computed for every token of the step (llama.cpp reserves for that) or
    // only for one token per sequence (vLLM, TensorRT-LLM sample the last position).
    bool logitsForEveryToken = true;
    bool outputBuffer = false; // llama.cpp: n_seq_max x n_vocab x 4 bytes of logits
    int64_t kvPadding = 32;
    bool padPerSequence = false;
    std::string notes;
};

RuntimeProfile defaultProfile(Runtime runtime);
std::optional<Runtime> runtimeFromName(std::string_view name); // llamacpp, vllm, trtllm
std::string_view runtimeName(Runtime runtime);

// ESTIMATE of the compute (activation) buffer for one step of `tokens` tokens attending
// over `kvCells` cells, of which `outputs` produce logits; e = bytes per activation. The
// largest of three stages' live tensors, in bytes:
//   attention, no flash attention: tokens x (4 x kvCells x (n_head + 1) [KQ f32 + mask]
//                                  + 4 x e x n_embd [residual, norm, Q, attention out]
//                                  + 12 [token, position, output ids])
//   attention, flash attention:    tokens x (2 x kvCells [f16 mask] + 4 x e x n_embd + 12)
//   feed-forward:                  tokens x e x (2 x n_embd + 3 x n_ff_active)
//   output:                        tokens x e x 2 x n_embd + outputs x 4 x n_vocab
// With llama.cpp's graph allocator (e = 4, outputs = tokens) this reproduces
// stories260K's CPU compute buffer to the byte at all four contexts in memory.txt (the
// attention stage dominates there); for other models it is an estimate.
struct ComputeStep {
    int64_t tokens = 512;
    int64_t kvCells = 0;
    int64_t outputs = 512;
    bool flashAttention = false;
    int activationBytes = 4;
};
uint64_t computeBufferEstimate(const ModelShape& shape, const ComputeStep& step);
// llama.cpp's case: every token an output, f32 activations.
uint64_t computeBufferEstimate(const ModelShape& shape, int64_t tokens, int64_t kvCells,
                               bool flashAttention);

} // namespace ql::fit
