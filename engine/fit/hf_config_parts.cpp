#include "engine/fit/hf_config_parts.h"

#include "engine/core/error.h"
#include "engine/model/json_locate.h"

namespace ql::fit {
namespace {

// Far above any published config (hidden 16 384, vocab 262 144, windows of 131 072), far
// below what would overflow the products the shape and the memory model form from them.
constexpr int64_t kMaxConfigInt = int64_t(1) << 24;
// Layers are also the length of per-layer vectors (sliding windows).
constexpr int64_t kMaxLayers = int64_t(1) << 16;

std::string quoted(const char* key) {
    return std::string("config.json: '") + key + "'";
}

// The value at `at` (the key, or one element of its list) is bad.
[[noreturn]] void badValue(const std::string& message, JsonPath at) {
    throw JsonValueError(message, std::move(at));
}

} // namespace

int64_t optInt(const nlohmann::json& c, const char* key, int64_t fallback) {
    const auto it = c.find(key);
    if (it == c.end() || it->is_null())
        return fallback;
    if (!it->is_number_integer())
        badValue(quoted(key) + " is not an integer", {key});
    const bool tooLarge = it->is_number_unsigned() ? it->get<uint64_t>() > uint64_t(kMaxConfigInt)
                                                   : it->get<int64_t>() < -kMaxConfigInt;
    if (tooLarge)
        badValue(quoted(key) + " is " + it->dump() + ", beyond the " +
                     groupDigits(uint64_t(kMaxConfigInt)) + " Quantlens accepts",
                 {key});
    return it->get<int64_t>();
}

std::string optString(const nlohmann::json& c, const char* key, const std::string& fallback) {
    const auto it = c.find(key);
    if (it == c.end() || it->is_null())
        return fallback;
    if (!it->is_string())
        badValue(quoted(key) + " is not a string", {key});
    return it->get<std::string>();
}

bool optBool(const nlohmann::json& c, const char* key, bool fallback) {
    const auto it = c.find(key);
    if (it == c.end() || it->is_null())
        return fallback;
    if (!it->is_boolean())
        badValue(quoted(key) + " is not true or false", {key});
    return it->get<bool>();
}

std::vector<int64_t> optIntList(const nlohmann::json& c, const char* key) {
    const auto it = c.find(key);
    if (it == c.end() || it->is_null())
        return {};
    if (!it->is_array())
        badValue(quoted(key) + " is not a list of integers", {key});
    std::vector<int64_t> out;
    for (size_t i = 0; i < it->size(); ++i) {
        if (!(*it)[i].is_number_integer())
            badValue(quoted(key) + " is not a list of integers", {key, i});
        out.push_back((*it)[i].get<int64_t>());
    }
    return out;
}

int64_t reqInt(const nlohmann::json& c, const char* key) {
    const int64_t v = optInt(c, key, -1);
    if (v <= 0)
        badValue(quoted(key) + " is missing or not positive", {key});
    return v;
}

void ShapeBuilder::add(std::string name, TensorRole role, int64_t rows, int64_t cols,
                       int64_t count) {
    if (rows <= 0 || cols <= 0 || count <= 0)
        return;
    constexpr int64_t kMaxParameters = int64_t(1) << 50;
    int64_t parameters = 0;
    if (__builtin_mul_overflow(rows, cols, &parameters) ||
        __builtin_mul_overflow(parameters, count, &parameters) || parameters > kMaxParameters)
        throw Error("config.json: the sizes make '" + name + "' " + std::to_string(rows) + " x " +
                    std::to_string(cols) + " x " + std::to_string(count) +
                    ", more than the 2^50 parameters Quantlens accepts");
    shape.tensors.push_back({std::move(name), role, rows, cols, count, 0, std::nullopt});
}

HfDims readDims(const nlohmann::json& c) {
    HfDims d;
    d.modelType = optString(c, "model_type", "llama");
    d.hidden = reqInt(c, "hidden_size");
    d.layers = reqInt(c, "num_hidden_layers");
    if (d.layers > kMaxLayers)
        badValue(quoted("num_hidden_layers") + " is " + std::to_string(d.layers) + ", beyond the " +
                     groupDigits(uint64_t(kMaxLayers)) + " layers Quantlens accepts",
                 {"num_hidden_layers"});
    d.vocab = reqInt(c, "vocab_size");
    d.nHead = reqInt(c, "num_attention_heads");
    d.nHeadKv = optInt(c, "num_key_value_heads", d.nHead);
    d.headDim = optInt(c, "head_dim", d.hidden / d.nHead);
    d.ff = optInt(c, "intermediate_size");
    d.tied = optBool(c, "tie_word_embeddings", false);
    d.attentionBias = optBool(c, "attention_bias", false);
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
    if (!optBool(c, "use_sliding_window", true))
        return {};
    return std::vector<int64_t>(size_t(layers), window);
}

} // namespace ql::fit
