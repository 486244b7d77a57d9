#include "engine/model/model_config.h"

#include <nlohmann/json.hpp>

namespace ql {
namespace {

// Some architectures store per-layer values as arrays; the first layer's stands for all.
int64_t intOf(const Metadata& meta, const std::string& key) {
    const auto it = meta.find(key);
    if (it == meta.end())
        return 0;
    if (const auto* items = it->second.asArray())
        return items->empty() ? 0 : items->front().asInt().value_or(0);
    return it->second.asInt().value_or(0);
}

double doubleOf(const Metadata& meta, const std::string& key) {
    const auto it = meta.find(key);
    return it == meta.end() ? 0.0 : it->second.asDouble().value_or(0.0);
}

std::string stringOf(const Metadata& meta, const std::string& key) {
    const auto it = meta.find(key);
    const std::string* s = it == meta.end() ? nullptr : it->second.asString();
    return s ? *s : std::string();
}

int64_t embeddingRows(const std::vector<TensorInfo>& tensors, std::string_view name) {
    for (const auto& t : tensors)
        if (t.name == name && t.isMatrix())
            return t.shape.front();
    return 0;
}

// Values derived the way llama.cpp and transformers derive them when absent.
void fillDerived(ModelConfig& c) {
    if (c.nHeadKv == 0)
        c.nHeadKv = c.nHead;
    if (c.headDim == 0 && c.nHead > 0)
        c.headDim = c.nEmbd / c.nHead;
}

} // namespace

ModelConfig configFromGguf(const Metadata& meta, const std::vector<TensorInfo>& tensors) {
    ModelConfig c;
    c.architecture = stringOf(meta, "general.architecture");
    c.name = stringOf(meta, "general.name");
    const std::string p = c.architecture + ".";
    c.nLayer = intOf(meta, p + "block_count");
    c.nHead = intOf(meta, p + "attention.head_count");
    c.nHeadKv = intOf(meta, p + "attention.head_count_kv");
    c.headDim = intOf(meta, p + "attention.key_length");
    c.nEmbd = intOf(meta, p + "embedding_length");
    c.nFf = intOf(meta, p + "feed_forward_length");
    c.contextLength = intOf(meta, p + "context_length");
    c.rmsNormEps = doubleOf(meta, p + "attention.layer_norm_rms_epsilon");
    c.ropeFreqBase = doubleOf(meta, p + "rope.freq_base");
    c.vocabSize = intOf(meta, p + "vocab_size");
    if (c.vocabSize == 0) {
        const auto it = meta.find("tokenizer.ggml.tokens");
        const auto* tokens = it == meta.end() ? nullptr : it->second.asArray();
        c.vocabSize =
            tokens ? int64_t(tokens->size()) : embeddingRows(tensors, "token_embd.weight");
    }
    fillDerived(c);
    return c;
}

namespace {

int64_t jsonInt(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

double jsonDouble(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

std::string jsonString(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

} // namespace

ModelConfig configFromHfJson(const nlohmann::json& root, const std::vector<TensorInfo>& tensors) {
    // Multimodal checkpoints keep the language model's numbers under text_config.
    const bool nested = !root.contains("hidden_size") && root.contains("text_config") &&
                        root["text_config"].is_object();
    const nlohmann::json& j = nested ? root["text_config"] : root;
    ModelConfig c;
    c.architecture = jsonString(root, "model_type");
    if (c.architecture.empty() && root.contains("architectures") &&
        root["architectures"].is_array() && !root["architectures"].empty() &&
        root["architectures"][0].is_string())
        c.architecture = root["architectures"][0].get<std::string>();
    c.name = jsonString(root, "_name_or_path");
    c.nLayer = jsonInt(j, "num_hidden_layers");
    c.nHead = jsonInt(j, "num_attention_heads");
    c.nHeadKv = jsonInt(j, "num_key_value_heads");
    c.headDim = jsonInt(j, "head_dim");
    c.nEmbd = jsonInt(j, "hidden_size");
    c.nFf = jsonInt(j, "intermediate_size");
    c.contextLength = jsonInt(j, "max_position_embeddings");
    c.vocabSize = jsonInt(j, "vocab_size");
    c.rmsNormEps = jsonDouble(j, "rms_norm_eps");
    c.ropeFreqBase = jsonDouble(j, "rope_theta");
    if (c.vocabSize == 0)
        c.vocabSize = embeddingRows(tensors, "model.embed_tokens.weight");
    fillDerived(c);
    return c;
}

} // namespace ql
