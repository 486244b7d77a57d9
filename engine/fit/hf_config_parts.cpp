#include "engine/fit/hf_config_parts.h"

#include "engine/core/error.h"

namespace ql::fit {

int64_t optInt(const nlohmann::json& c, const char* key, int64_t fallback) {
    const auto it = c.find(key);
    if (it == c.end() || it->is_null())
        return fallback;
    if (!it->is_number_integer())
        throw Error(std::string("config.json: '") + key + "' is not an integer");
    return it->get<int64_t>();
}

int64_t reqInt(const nlohmann::json& c, const char* key) {
    const int64_t v = optInt(c, key, -1);
    if (v <= 0)
        throw Error(std::string("config.json: '") + key + "' is missing or not positive");
    return v;
}

HfDims readDims(const nlohmann::json& c) {
    HfDims d;
    d.modelType = c.value("model_type", std::string("llama"));
    d.hidden = reqInt(c, "hidden_size");
    d.layers = reqInt(c, "num_hidden_layers");
    d.vocab = reqInt(c, "vocab_size");
    d.nHead = reqInt(c, "num_attention_heads");
    d.nHeadKv = optInt(c, "num_key_value_heads", d.nHead);
    d.headDim = optInt(c, "head_dim", d.hidden / d.nHead);
    d.ff = optInt(c, "intermediate_size");
    d.tied = c.value("tie_word_embeddings", false);
    d.attentionBias = c.value("attention_bias", false);
    d.mla = c.contains("kv_lora_rank") && !c["kv_lora_rank"].is_null();
    return d;
}

std::vector<int64_t> slidingWindows(const nlohmann::json& c, int64_t layers) {
    const int64_t window = optInt(c, "sliding_window");
    if (window <= 0)
        return {};
    // gpt-oss and Gemma-style configs name each layer's kind; Mistral-style configs
    // window every layer unless use_sliding_window is false (Qwen).
    if (const auto it = c.find("layer_types"); it != c.end() && it->is_array()) {
        std::vector<int64_t> w;
        for (const auto& kind : *it)
            w.push_back(kind.is_string() && kind.get<std::string>() == "sliding_attention" ? window
                                                                                           : 0);
        w.resize(size_t(layers), 0);
        return w;
    }
    if (!c.value("use_sliding_window", true))
        return {};
    return std::vector<int64_t>(size_t(layers), window);
}

} // namespace ql::fit
