#include "engine/fit/shape_from_model.h"

#include "engine/model/model.h"

namespace ql::fit {
namespace {

bool contains(const std::string& s, std::string_view part) {
    return s.find(part) != std::string::npos;
}

// formats.h's storage type names are ggml's ("Q8_0"); the fit table uses the same names.
std::optional<WeightFormat> formatOfDType(DType t) {
    return weightFormatFromName(dtypeInfo(t).name);
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
    const ModelConfig& c = model.config();
    ModelShape s;
    s.name = model.path().filename().string();
    s.modelType = c.architecture;
    s.nEmbd = c.nEmbd;
    s.nVocab = c.vocabSize;
    s.nFfActive = c.nFf;
    s.attention = attentionOf(c);
    for (const auto& t : model.tensors()) {
        TensorGroup g{t.name,
                      roleOfTensor(t.name, t.shape.size()),
                      t.rows(),
                      t.cols(),
                      1,
                      t.nbytes,
                      formatOfDType(t.dtype)};
        s.tensors.push_back(std::move(g));
    }
    return s;
}

} // namespace ql::fit
