#include "engine/fit/shape_from_model.h"

#include "engine/core/error.h"
#include "engine/model/model.h"

#include <algorithm>

namespace ql::fit {
namespace {

bool contains(const std::string& s, std::string_view part) {
    return s.find(part) != std::string::npos;
}

// formats.h's storage type names are ggml's ("Q8_0"); the fit table uses the same names.
std::optional<WeightFormat> formatOfDType(DType t) {
    return weightFormatFromName(dtypeInfo(t).name);
}

// The file's hyper-parameters drive loops (one per layer) and products (heads x head size x
// cells) in the memory model: far above any real model, far below a hang or an overflow.
constexpr int64_t kMaxHyperParameter = int64_t(1) << 24;
constexpr int64_t kMaxLayers = int64_t(1) << 16;

void checkRange(const Model& model, int64_t value, int64_t limit, const char* ggufKey,
                const char* configKey) {
    if (value >= 0 && value <= limit)
        return;
    const bool gguf = model.format() == ModelFormat::Gguf;
    const std::string key = gguf ? model.config().architecture + "." + ggufKey
                                 : std::string("config.json ") + configKey;
    throw Error(model.path().filename().string() + ": " + key + " is " + std::to_string(value) +
                "; the memory model accepts 0 to " + groupDigits(uint64_t(limit)));
}

void checkConfig(const Model& model) {
    const ModelConfig& c = model.config();
    checkRange(model, c.nLayer, kMaxLayers, "block_count", "num_hidden_layers");
    checkRange(model, c.nHead, kMaxHyperParameter, "attention.head_count", "num_attention_heads");
    checkRange(model, c.nHeadKv, kMaxHyperParameter, "attention.head_count_kv",
               "num_key_value_heads");
    checkRange(model, c.headDim, kMaxHyperParameter, "attention.key_length", "head_dim");
    checkRange(model, c.nEmbd, kMaxHyperParameter, "embedding_length", "hidden_size");
    checkRange(model, c.nFf, kMaxHyperParameter, "feed_forward_length", "intermediate_size");
    checkRange(model, c.vocabSize, kMaxHyperParameter, "vocab_size", "vocab_size");
}

AttentionShape attentionOf(const ModelConfig& c) {
    AttentionShape a;
    a.nLayer = c.nLayer;
    a.nHead = c.nHead;
    a.nHeadKv = c.nHeadKv;
    a.headDimK = c.headDim;
    a.headDimV = c.headDim;
    return a;
}

} // namespace

TensorRole roleOfTensor(const std::string& name, size_t dims) {
    if (dims <= 1)
        return TensorRole::Vector;
    if (contains(name, "token_embd") || contains(name, "embed_tokens"))
        return TensorRole::Embedding;
    if (name == "output.weight" || contains(name, "lm_head"))
        return TensorRole::Output;
    if (contains(name, "ffn_gate_inp") || contains(name, "router") ||
        contains(name, "mlp.gate.weight") || contains(name, "block_sparse_moe.gate"))
        return TensorRole::Router;
    return TensorRole::Linear;
}

ModelShape shapeFromModel(const Model& model) {
    checkConfig(model);
    const ModelConfig& c = model.config();
    ModelShape s;
    s.name = model.path().filename().string();
    s.modelType = c.architecture;
    s.nEmbd = c.nEmbd;
    s.nVocab = c.vocabSize;
    s.nFfActive = c.nFf;
    s.attention = attentionOf(c);
    s.maxPositions = c.contextLength;
    for (const auto& t : model.tensors()) {
        // A MoE stack {n_expert, rows, cols} is n_expert matrices: llama-quantize's rules
        // read the expert count from it, and per-tensor formats scale each expert.
        TensorGroup g{t.name,
                      roleOfTensor(t.name, t.shape.size()),
                      t.matrixRows(),
                      t.cols(),
                      std::max<int64_t>(1, t.matrices()),
                      t.nbytes,
                      formatOfDType(t.dtype)};
        s.tensors.push_back(std::move(g));
    }
    return s;
}

} // namespace ql::fit
