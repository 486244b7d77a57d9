#pragma once
// Reference forward pass of the Llama architecture on the CPU, for evaluators: loads
// every weight once to float32 (whatever the file's dtype, so a quantized variant runs
// through the same code) and evaluates a whole sequence as one batch with Eigen GEMMs.
//
// By default it reproduces llama.cpp's CPU numerics where they matter for the figures:
// activations are rounded to each weight's ggml "vec_dot type" before a product, and
// K, V, Q and the attention probabilities are rounded to F16 (ggml's F16 KV cache). See
// ggml_rounding.h. With ggmlRounding off it is a plain float32 forward pass.
#include "engine/eval/tokenizer.h"
#include "engine/model/model.h"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace ql {

struct ForwardOptions {
    bool ggmlRounding = true;
};

class LlamaForward {
public:
    // Throws ql::Error when a tensor is missing or has an unexpected shape.
    explicit LlamaForward(const Model& model, ForwardOptions options = {});
    ~LlamaForward();
    LlamaForward(const LlamaForward&) = delete;
    LlamaForward& operator=(const LlamaForward&) = delete;

    int32_t vocabSize() const;
    const ModelConfig& config() const;

    // Evaluates tokens as one independent sequence at positions 0..n-1 (a fresh KV
    // cache) and writes the logits of rows [firstRow, n) to logits, row-major
    // ((n - firstRow) x vocabSize). Thread-safe: concurrent calls share the weights.
    void evaluate(std::span<const TokenId> tokens, int64_t firstRow,
                  std::vector<float>& logits) const;

private:
    struct Weights;
    std::unique_ptr<Weights> m_weights;
};

} // namespace ql
