#include "engine/eval/activation_capture.h"

#include "engine/core/error.h"
#include <algorithm>

#include <Eigen/Dense>
#include <cmath>

namespace ql {
namespace {

using RowMatF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowMatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Layers fed the same activations share one captured input: keyed by the first of them.
std::string inputKey(const std::string& tensor) {
    const auto prefix = [&](const std::string& suffix) {
        return tensor.substr(0, tensor.size() - suffix.size());
    };
    if (endsWith(tensor, "attn_k.weight"))
        return prefix("attn_k.weight") + "attn_q.weight";
    if (endsWith(tensor, "attn_v.weight"))
        return prefix("attn_v.weight") + "attn_q.weight";
    if (endsWith(tensor, "ffn_up.weight"))
        return prefix("ffn_up.weight") + "ffn_gate.weight";
    return tensor;
}

} // namespace

void ActivationCapture::onLinearInput(const std::string& tensor, const float* x, int64_t rows,
                                      int64_t cols) {
    const std::string key = inputKey(tensor);
    if (key != tensor)
        return; // the same input arrives under its key's name
    const Eigen::Map<const RowMatF> xf(x, rows, cols);
    const RowMatD xd = xf.cast<double>();
    const RowMatD gram = xd.transpose() * xd;
    std::lock_guard lock(m_mutex);
    CapturedInput& c = m_inputs[key];
    if (c.gram.empty()) {
        c.cols = cols;
        c.gram.assign(size_t(cols * cols), 0.0);
    }
    Eigen::Map<RowMatD>(c.gram.data(), cols, cols) += gram;
    c.rows += rows;
}

const CapturedInput* ActivationCapture::input(const std::string& tensor) const {
    const auto it = m_inputs.find(inputKey(tensor));
    return it == m_inputs.end() ? nullptr : &it->second;
}

uint64_t ActivationCapture::bytes() const {
    uint64_t total = 0;
    for (const auto& [key, c] : m_inputs)
        total += c.gram.size() * sizeof(double);
    return total;
}

int64_t captureActivations(const LlamaForward& model, std::span<const TokenId> tokens, TokenId bos,
                           const RunOptions& options, ActivationCapture& capture) {
    const ChunkPlan plan = planChunks(int64_t(tokens.size()), options.nCtx, options.maxChunks);
    const std::string stage =
        "capturing activations over " + std::to_string(plan.nChunks) + " chunks";
    forEachChunk(tokens, plan, bos, options, stage,
                 [&](int64_t, std::span<const TokenId> chunk, std::vector<float>& logits) {
                     // Logits from row 0: every row reaches the output projection, so its
                     // input is captured whole.
                     model.evaluate(chunk, 0, logits, &capture);
                 });
    return plan.nChunks;
}

double OutputErrorTraces::relError() const {
    return signal > 0 ? std::sqrt(std::max(0.0, noise) / signal) : 0.0;
}

OutputErrorTraces outputErrorTraces(const CapturedInput& x, const float* w, const float* q,
                                    int64_t rows, int64_t cols) {
    if (x.cols != cols)
        throw Error("captured input has " + std::to_string(x.cols) + " columns, the weight " +
                    std::to_string(cols));
    const Eigen::Map<const RowMatD> g(x.gram.data(), cols, cols);
    const RowMatD wd = Eigen::Map<const RowMatF>(w, rows, cols).cast<double>();
    const RowMatD dd = wd - Eigen::Map<const RowMatF>(q, rows, cols).cast<double>();
    return {((wd * g).cwiseProduct(wd)).sum(), ((dd * g).cwiseProduct(dd)).sum()};
}

double relativeOutputError(const CapturedInput& x, const float* w, const float* q, int64_t rows,
                           int64_t cols) {
    return outputErrorTraces(x, w, q, rows, cols).relError();
}

std::vector<LayerOutputError> layerOutputErrors(const ActivationCapture& capture,
                                                const LlamaForward& original,
                                                const LlamaForward& variant) {
    std::vector<LayerOutputError> out;
    for (const std::string& name : original.linearNames()) {
        int64_t rows = 0, cols = 0, qRows = 0, qCols = 0;
        const float* w = original.linearWeights(name, rows, cols);
        const float* q = variant.linearWeights(name, qRows, qCols);
        const CapturedInput* x = capture.input(name);
        if (!q || qRows != rows || qCols != cols)
            throw Error("the variant has no layer '" + name + "' of the original's shape");
        if (!x)
            throw Error("no activations were captured for '" + name + "'");
        const OutputErrorTraces traces = outputErrorTraces(*x, w, q, rows, cols);
        out.push_back({name, x->rows, traces.relError(), traces});
    }
    return out;
}

} // namespace ql
