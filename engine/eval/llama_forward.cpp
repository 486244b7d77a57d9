#include "engine/eval/llama_forward.h"

#include "engine/core/error.h"
#include "engine/eval/ggml_rounding.h"

#include <Eigen/Dense>
#include <cmath>
#include <string>

namespace ql {

namespace {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vec = Eigen::VectorXf;

// The activation rounding ggml's CPU backend applies for a weight of this dtype.
ActivationRounding roundingFor(DType t) {
    switch (t) {
    case DType::F32:
        return ActivationRounding::None;
    case DType::F16:
        return ActivationRounding::F16;
    case DType::BF16:
        return ActivationRounding::Bf16;
    case DType::Q4_0:
    case DType::Q4_1:
    case DType::Q5_0:
    case DType::Q5_1:
    case DType::Q8_0:
    case DType::IQ4_NL:
        return ActivationRounding::Q8Blocks;
    case DType::Q2_K:
    case DType::Q3_K:
    case DType::Q4_K:
    case DType::Q5_K:
    case DType::Q6_K:
        return ActivationRounding::Q8KBlocks;
    }
    return ActivationRounding::None;
}

struct Linear {
    RowMat w; // out_features x in_features
    ActivationRounding rounding = ActivationRounding::None;
    std::string name;

    // y = x * w^T, with x first rounded the way ggml would.
    void apply(const RowMat& x, RowMat& y, LinearInputObserver* observer) const {
        if (observer)
            observer->onLinearInput(name, x.data(), x.rows(), x.cols());
        if (rounding == ActivationRounding::None) {
            y.noalias() = x * w.transpose();
            return;
        }
        RowMat rounded = x;
        for (Eigen::Index r = 0; r < rounded.rows(); ++r)
            roundActivations(std::span<float>(rounded.row(r).data(), size_t(rounded.cols())),
                             rounding);
        y.noalias() = rounded * w.transpose();
    }
};

struct Layer {
    Vec attnNorm, ffnNorm;
    Linear q, k, v, o, gate, up, down;
};

const TensorInfo& require(const Model& m, const std::string& name) {
    const TensorInfo* t = m.findTensor(name);
    if (!t)
        throw Error(m.path().string() + ": tensor '" + name + "' is missing");
    return *t;
}

// The weights as the forward pass uses them, and the dtype whose rounding applies.
struct Loaded {
    RowMat w;
    DType dtype;
};

Loaded loadMatrix(const Model& m, const TensorInfo& t, int64_t rows, int64_t cols,
                  const WeightTransform& transform) {
    if (t.rows() != rows || t.cols() != cols)
        throw Error(m.path().string() + ": tensor '" + t.name + "' is " + std::to_string(t.rows()) +
                    "x" + std::to_string(t.cols()) + ", expected " + std::to_string(rows) + "x" +
                    std::to_string(cols));
    Loaded out{RowMat(rows, cols), t.dtype};
    m.readRowsF32(t, 0, rows, out.w.data());
    if (transform)
        out.dtype = transform(t, std::span<float>(out.w.data(), size_t(out.w.size())));
    return out;
}

Linear loadLinear(const Model& m, const std::string& name, int64_t rows, int64_t cols, bool ggml,
                  const WeightTransform& transform) {
    Loaded l = loadMatrix(m, require(m, name), rows, cols, transform);
    return {std::move(l.w), ggml ? roundingFor(l.dtype) : ActivationRounding::None, name};
}

Vec loadVector(const Model& m, const std::string& name, int64_t n) {
    const TensorInfo& t = require(m, name);
    if (t.elements() != n)
        throw Error(m.path().string() + ": tensor '" + name + "' has " +
                    std::to_string(t.elements()) + " elements, expected " + std::to_string(n));
    const std::vector<float> v = m.readF32(t);
    return Eigen::Map<const Vec>(v.data(), n);
}

// ggml's RMS norm: the sum of squares in double, the scale in float, then the weight.
void rmsNorm(const RowMat& x, const Vec& weight, float eps, RowMat& y) {
    y.resize(x.rows(), x.cols());
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
        double sum = 0;
        for (Eigen::Index c = 0; c < x.cols(); ++c)
            sum += double(x(r, c) * x(r, c));
        const float mean = float(sum / double(x.cols()));
        const float scale = 1.0f / std::sqrt(mean + eps);
        for (Eigen::Index c = 0; c < x.cols(); ++c)
            y(r, c) = (x(r, c) * scale) * weight[c];
    }
}

// cos/sin per position and dimension pair; theta advances by repeated float
// multiplication, as ggml's rope cache does.
struct RopeTable {
    RowMat cos, sin; // positions x headDim/2
    RopeTable(int64_t positions, int64_t headDim, float base) {
        cos.resize(positions, headDim / 2);
        sin.resize(positions, headDim / 2);
        const float thetaScale = std::pow(base, -2.0f / float(headDim));
        for (int64_t p = 0; p < positions; ++p) {
            float theta = float(p);
            for (int64_t i = 0; i < headDim / 2; ++i) {
                cos(p, i) = std::cos(theta);
                sin(p, i) = std::sin(theta);
                theta *= thetaScale;
            }
        }
    }
};

// llama.cpp's "normal" rope: adjacent pairs (2i, 2i+1) of every head. GGUF converters
// permute the q/k rows so that this is right for Llama.
void applyRope(RowMat& x, int64_t heads, int64_t headDim, const RopeTable& rope) {
    for (Eigen::Index p = 0; p < x.rows(); ++p) {
        float* row = x.row(p).data();
        for (int64_t h = 0; h < heads; ++h) {
            float* v = row + h * headDim;
            for (int64_t i = 0; i < headDim / 2; ++i) {
                const float c = rope.cos(p, i), s = rope.sin(p, i);
                const float x0 = v[2 * i], x1 = v[2 * i + 1];
                v[2 * i] = x0 * c - x1 * s;
                v[2 * i + 1] = x0 * s + x1 * c;
            }
        }
    }
}

void roundAllToHalf(RowMat& x) {
    float* d = x.data();
    for (Eigen::Index i = 0; i < x.size(); ++i)
        d[i] = roundToHalf(d[i]);
}

// Causal softmax of row-scaled scores in place (ggml's soft_max: float exponentials,
// a double sum); entries above the diagonal become 0.
void causalSoftmax(RowMat& s, float scale, bool roundHalf) {
    for (Eigen::Index i = 0; i < s.rows(); ++i) {
        float* row = s.row(i).data();
        float maxValue = -INFINITY;
        for (Eigen::Index j = 0; j <= i; ++j) {
            row[j] *= scale;
            maxValue = std::max(maxValue, row[j]);
        }
        double sum = 0;
        for (Eigen::Index j = 0; j <= i; ++j) {
            row[j] = std::exp(row[j] - maxValue);
            sum += double(row[j]);
        }
        const float inv = float(1.0 / sum);
        for (Eigen::Index j = 0; j <= i; ++j)
            row[j] = roundHalf ? roundToHalf(row[j] * inv) : row[j] * inv;
        for (Eigen::Index j = i + 1; j < s.cols(); ++j)
            row[j] = 0.f;
    }
}

} // namespace

struct LlamaForward::Weights {
    ModelConfig config;
    bool ggml = true;
    float eps = 1e-5f;
    float ropeBase = 10000.f;
    RowMat embedding; // vocab x nEmbd
    std::vector<Layer> layers;
    Vec outputNorm;
    Linear output;

    void attention(const Layer& l, const RowMat& xn, const RopeTable& rope, RowMat& out,
                   LinearInputObserver* observer) const;
    void feedForward(const Layer& l, const RowMat& xn, RowMat& out,
                     LinearInputObserver* observer) const;
    const Linear* find(const std::string& name) const;
};

LlamaForward::LlamaForward(const Model& model, ForwardOptions options)
    : m_weights(std::make_unique<Weights>()) {
    Weights& w = *m_weights;
    w.config = model.config();
    const ModelConfig& c = w.config;
    if (c.nLayer <= 0 || c.nEmbd <= 0 || c.nHead <= 0 || c.nFf <= 0)
        throw Error(model.path().string() + ": not a Llama model this pass can run");
    if (c.nHeadKv <= 0)
        w.config.nHeadKv = c.nHead;
    if (c.headDim <= 0)
        w.config.headDim = c.nEmbd / c.nHead;
    if (c.nHead % c.nHeadKv != 0 || c.headDim % 2 != 0)
        throw Error(model.path().string() + ": unsupported head layout");
    w.ggml = options.ggmlRounding;
    w.eps = c.rmsNormEps > 0 ? float(c.rmsNormEps) : 1e-5f;
    w.ropeBase = c.ropeFreqBase > 0 ? float(c.ropeFreqBase) : 10000.f;

    const TensorInfo& embd = require(model, "token_embd.weight");
    const int64_t vocab = embd.rows();
    w.config.vocabSize = vocab;
    Loaded embedding = loadMatrix(model, embd, vocab, c.nEmbd, options.transform);
    w.embedding = std::move(embedding.w);
    const int64_t qDim = c.nHead * c.headDim, kvDim = c.nHeadKv * c.headDim;
    for (int64_t i = 0; i < c.nLayer; ++i) {
        const std::string p = "blk." + std::to_string(i) + ".";
        Layer l;
        l.attnNorm = loadVector(model, p + "attn_norm.weight", c.nEmbd);
        l.ffnNorm = loadVector(model, p + "ffn_norm.weight", c.nEmbd);
        l.q = loadLinear(model, p + "attn_q.weight", qDim, c.nEmbd, w.ggml, options.transform);
        l.k = loadLinear(model, p + "attn_k.weight", kvDim, c.nEmbd, w.ggml, options.transform);
        l.v = loadLinear(model, p + "attn_v.weight", kvDim, c.nEmbd, w.ggml, options.transform);
        l.o = loadLinear(model, p + "attn_output.weight", c.nEmbd, qDim, w.ggml, options.transform);
        l.gate =
            loadLinear(model, p + "ffn_gate.weight", c.nFf, c.nEmbd, w.ggml, options.transform);
        l.up = loadLinear(model, p + "ffn_up.weight", c.nFf, c.nEmbd, w.ggml, options.transform);
        l.down =
            loadLinear(model, p + "ffn_down.weight", c.nEmbd, c.nFf, w.ggml, options.transform);
        w.layers.push_back(std::move(l));
    }
    w.outputNorm = loadVector(model, "output_norm.weight", c.nEmbd);
    // Tied embeddings: no output.weight means the output projection is token_embd.
    const bool tied = model.findTensor("output.weight") == nullptr;
    w.output =
        tied ? Linear{w.embedding, w.ggml ? roundingFor(embedding.dtype) : ActivationRounding::None,
                      "token_embd.weight"}
             : loadLinear(model, "output.weight", vocab, c.nEmbd, w.ggml, options.transform);
}

LlamaForward::~LlamaForward() = default;

int32_t LlamaForward::vocabSize() const {
    return int32_t(m_weights->config.vocabSize);
}
const ModelConfig& LlamaForward::config() const {
    return m_weights->config;
}

void LlamaForward::Weights::attention(const Layer& l, const RowMat& xn, const RopeTable& rope,
                                      RowMat& out, LinearInputObserver* observer) const {
    const int64_t hd = config.headDim, group = config.nHead / config.nHeadKv;
    RowMat q, k, v;
    l.q.apply(xn, q, observer);
    l.k.apply(xn, k, observer);
    l.v.apply(xn, v, observer);
    applyRope(q, config.nHead, hd, rope);
    applyRope(k, config.nHeadKv, hd, rope);
    if (ggml) { // F16 KV cache, and Q converted to F16 to meet it
        roundAllToHalf(q);
        roundAllToHalf(k);
        roundAllToHalf(v);
    }
    const Eigen::Index n = xn.rows();
    const float scale = 1.0f / std::sqrt(float(hd));
    RowMat merged(n, config.nHead * hd), scores(n, n);
    for (int64_t h = 0; h < config.nHead; ++h) {
        const int64_t kv = h / group;
        scores.noalias() = q.middleCols(h * hd, hd) * k.middleCols(kv * hd, hd).transpose();
        causalSoftmax(scores, scale, ggml);
        merged.middleCols(h * hd, hd).noalias() = scores * v.middleCols(kv * hd, hd);
    }
    l.o.apply(merged, out, observer);
}

void LlamaForward::Weights::feedForward(const Layer& l, const RowMat& xn, RowMat& out,
                                        LinearInputObserver* observer) const {
    RowMat gate, up;
    l.gate.apply(xn, gate, observer);
    l.up.apply(xn, up, observer);
    float* g = gate.data();
    const float* u = up.data();
    for (Eigen::Index i = 0; i < gate.size(); ++i)
        g[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i]; // SwiGLU: silu(gate) * up
    l.down.apply(gate, out, observer);
}

void LlamaForward::evaluate(std::span<const TokenId> tokens, int64_t firstRow,
                            std::vector<float>& logits, LinearInputObserver* observer) const {
    const Weights& w = *m_weights;
    const auto n = Eigen::Index(tokens.size());
    if (firstRow < 0 || firstRow > n)
        throw Error("evaluate: first logits row out of range");
    RowMat x(n, w.config.nEmbd);
    for (Eigen::Index i = 0; i < n; ++i) {
        const TokenId t = tokens[size_t(i)];
        if (t < 0 || t >= w.embedding.rows())
            throw Error("evaluate: token id " + std::to_string(t) + " outside the vocabulary");
        x.row(i) = w.embedding.row(t);
    }
    const RopeTable rope(n, w.config.headDim, w.ropeBase);
    RowMat xn, delta;
    for (const Layer& l : w.layers) {
        rmsNorm(x, l.attnNorm, w.eps, xn);
        w.attention(l, xn, rope, delta, observer);
        x += delta;
        rmsNorm(x, l.ffnNorm, w.eps, xn);
        w.feedForward(l, xn, delta, observer);
        x += delta;
    }
    const RowMat tail = x.bottomRows(n - firstRow);
    rmsNorm(tail, w.outputNorm, w.eps, xn);
    RowMat out;
    w.output.apply(xn, out, observer);
    logits.assign(out.data(), out.data() + out.size());
}

const Linear* LlamaForward::Weights::find(const std::string& name) const {
    if (output.name == name)
        return &output;
    for (const Layer& l : layers)
        for (const Linear* lin : {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down})
            if (lin->name == name)
                return lin;
    return nullptr;
}

const float* LlamaForward::linearWeights(const std::string& tensor, int64_t& rows,
                                         int64_t& cols) const {
    const Linear* l = m_weights->find(tensor);
    if (!l)
        return nullptr;
    rows = l->w.rows();
    cols = l->w.cols();
    return l->w.data();
}

std::vector<std::string> LlamaForward::linearNames() const {
    std::vector<std::string> out;
    for (const Layer& l : m_weights->layers)
        for (const Linear* lin : {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down})
            out.push_back(lin->name);
    out.push_back(m_weights->output.name);
    return out;
}

} // namespace ql
