#include "engine/fit/runtime_profile.h"

#include <algorithm>

namespace ql::fit {
namespace {

constexpr uint64_t kMiB = 1ull << 20;

RuntimeProfile llamaCpp() {
    RuntimeProfile p;
    p.runtime = Runtime::LlamaCpp;
    p.name = "llamacpp";
    p.fixedBytes = 512 * kMiB;
    p.stepTokens = 512;
    p.flashAttention = false;
    p.outputBuffer = true;
    p.kvPadding = 32;
    p.notes = "compute buffer (estimate) + output buffer (n_seq x n_vocab x 4) + 512 MiB fixed "
              "(CUDA context and cuBLAS workspace, estimate); flash attention off, n_ctx padded "
              "to 32 as in llama.cpp c392e509";
    return p;
}

RuntimeProfile vllm() {
    RuntimeProfile p;
    p.runtime = Runtime::Vllm;
    p.name = "vllm";
    p.activationBytes = 2;
    p.logitsForEveryToken = false;
    p.fixedBytes = 1536 * kMiB;
    p.reservedFraction = 0.10;
    p.stepTokens = 8192;
    p.flashAttention = true;
    p.kvPadding = 16;
    p.padPerSequence = true;
    p.notes = "gpu_memory_utilization 0.9 (10% of the card left alone), 1.5 GiB fixed (CUDA "
              "context, CUDA graphs, non-torch allocations; estimate), activations of an "
              "8192-token profiling step (estimate), KV in blocks of 16 tokens";
    return p;
}

RuntimeProfile trtLlm() {
    RuntimeProfile p;
    p.runtime = Runtime::TrtLlm;
    p.name = "trtllm";
    p.activationBytes = 2;
    p.logitsForEveryToken = false;
    p.fixedBytes = 2048 * kMiB;
    p.reservedFraction = 0.10;
    p.stepTokens = 8192;
    p.flashAttention = true;
    p.kvPadding = 32;
    p.padPerSequence = true;
    p.notes = "free_gpu_memory_fraction 0.9 (taken as 10% of the card), 2 GiB fixed (engine "
              "workspace, CUDA context; estimate), activations of max_num_tokens 8192 "
              "(estimate), KV in blocks of 32 tokens";
    return p;
}

} // namespace

RuntimeProfile defaultProfile(Runtime runtime) {
    switch (runtime) {
    case Runtime::Vllm:
        return vllm();
    case Runtime::TrtLlm:
        return trtLlm();
    default:
        return llamaCpp();
    }
}

std::optional<Runtime> runtimeFromName(std::string_view name) {
    if (name == "llamacpp" || name == "llama.cpp")
        return Runtime::LlamaCpp;
    if (name == "vllm")
        return Runtime::Vllm;
    if (name == "trtllm" || name == "tensorrt-llm")
        return Runtime::TrtLlm;
    return std::nullopt;
}

std::string_view runtimeName(Runtime runtime) {
    switch (runtime) {
    case Runtime::Vllm:
        return "vllm";
    case Runtime::TrtLlm:
        return "trtllm";
    default:
        return "llamacpp";
    }
}

uint64_t computeBufferEstimate(const ModelShape& s, const ComputeStep& step) {
    const auto t = uint64_t(step.tokens), kv = uint64_t(step.kvCells);
    const auto embd = uint64_t(s.nEmbd), e = uint64_t(step.activationBytes);
    const uint64_t heads = uint64_t(std::max<int64_t>(1, s.attention.nHead));
    const uint64_t common = 4 * e * embd + 12;
    const uint64_t attention =
        step.flashAttention ? t * (2 * kv + common) : t * (4 * kv * (heads + 1) + common);
    const uint64_t ffn = t * e * (2 * embd + 3 * uint64_t(s.nFfActive));
    const uint64_t output = t * e * 2 * embd + uint64_t(step.outputs) * 4 * uint64_t(s.nVocab);
    return std::max({attention, ffn, output});
}

uint64_t computeBufferEstimate(const ModelShape& s, int64_t tokens, int64_t kvCells,
                               bool flashAttention) {
    return computeBufferEstimate(s, {tokens, kvCells, tokens, flashAttention, 4});
}

} // namespace ql::fit
