#pragma once
// Activation capture: the inputs of every linear layer on calibration text, kept as the
// Gram matrix X^T X per distinct input (q/k/v share one, gate/up share one), in double.
// That is bounded (cols^2 per input, whatever the amount of text) and is all that an
// output-aware error needs: for a weight W and its quantized Q, with D = W - Q,
//   ||X D^T||_F^2 = trace(D G D^T),   ||X W^T||_F^2 = trace(W G W^T),
// so the relative error of X*Q^T against X*W^T is sqrt(trace(D G D^T) / trace(W G W^T)),
// exactly as if every captured row had been multiplied out. GPTQ's Hessian is the same G.
#include "engine/eval/chunks.h"

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace ql {

struct CapturedInput {
    int64_t rows = 0; // activation rows (tokens) accumulated
    int64_t cols = 0;
    std::vector<double> gram; // cols x cols, row-major
};

class ActivationCapture : public LinearInputObserver {
public:
    void onLinearInput(const std::string& tensor, const float* x, int64_t rows,
                       int64_t cols) override;
    // The captured input of a linear layer's weight (the shared one for q/k/v, gate/up);
    // null when nothing was captured for it.
    const CapturedInput* input(const std::string& tensor) const;
    const std::map<std::string, CapturedInput>& inputs() const { return m_inputs; }
    uint64_t bytes() const;

private:
    mutable std::mutex m_mutex;
    std::map<std::string, CapturedInput> m_inputs; // by input key (see inputKey)
};

// Runs the model over llama-perplexity's chunks of tokens (options.nCtx, maxChunks,
// threads, job: one progress step per chunk, cancel between chunks; the chunk loop is
// forEachChunk's) and captures every linear layer's input at every position. Returns the
// number of chunks captured.
int64_t captureActivations(const LlamaForward& model, std::span<const TokenId> tokens, TokenId bos,
                           const RunOptions& options, ActivationCapture& capture);

// The two traces behind an output-aware error. They add across layers, so a group of
// layers has the error sqrt(sum noise / sum signal): its outputs as one long vector.
struct OutputErrorTraces {
    double signal = 0;       // trace(W G W^T) = ||X W^T||_F^2
    double noise = 0;        // trace(D G D^T) = ||X (W - Q)^T||_F^2
    double relError() const; // sqrt(noise / signal); 0 when signal is 0
};
OutputErrorTraces outputErrorTraces(const CapturedInput& x, const float* w, const float* q,
                                    int64_t rows, int64_t cols);

// sqrt(trace(D G D^T) / trace(W G W^T)) with D = W - Q; 0 when W's output is 0.
double relativeOutputError(const CapturedInput& x, const float* w, const float* q, int64_t rows,
                           int64_t cols);

struct LayerOutputError {
    std::string tensor;
    int64_t rows = 0;
    double relError = 0;
    OutputErrorTraces traces;
};
// For every linear layer of `original`, against the same layer of `variant`.
std::vector<LayerOutputError> layerOutputErrors(const ActivationCapture& capture,
                                                const LlamaForward& original,
                                                const LlamaForward& variant);

} // namespace ql
