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
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace ql {

// Replaces a weight matrix after it was read as float32 (row-major, rows x cols), e.g.
// with a variant's dequantized values. Returns the storage type whose activation
// rounding ggml would apply to it (the tensor's own dtype when nothing changed).
using WeightTransform = std::function<DType(const TensorInfo& tensor, std::span<float> weights)>;

struct ForwardOptions {
    bool ggmlRounding = true;
    WeightTransform transform; // empty: the file's weights
};

// Sees the input of every linear layer (before ggml's activation rounding, i.e. what
// the layer is given), once per tensor per evaluate() call. Called from the thread that
// runs evaluate(); implementations shared between threads must lock.
class LinearInputObserver {
public:
    virtual ~LinearInputObserver() = default;
    // x: rows x cols, row-major; tensor: the weight's name ("blk.0.attn_q.weight").
    virtual void onLinearInput(const std::string& tensor, const float* x, int64_t rows,
                               int64_t cols) = 0;
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
    void evaluate(std::span<const TokenId> tokens, int64_t firstRow, std::vector<float>& logits,
                  LinearInputObserver* observer = nullptr) const;
    // The float32 weights a linear layer multiplies by (after any transform), or null
    // when no linear layer has that tensor name. The output of a tied model is
    // "token_embd.weight".
    const float* linearWeights(const std::string& tensor, int64_t& rows, int64_t& cols) const;
    std::vector<std::string> linearNames() const; // in evaluation order

private:
    struct Weights;
    std::unique_ptr<Weights> m_weights;
};

} // namespace ql
