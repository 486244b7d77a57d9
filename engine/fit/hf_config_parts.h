#pragma once
// Internals of the config.json reader (hf_config.cpp, hf_config_ffn.cpp): the common
// dimensions, a small builder for tensor groups, and checked key access.
#include "engine/fit/model_shape.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ql::fit {

struct HfDims {
    std::string modelType;
    int64_t hidden = 0, layers = 0, vocab = 0;
    int64_t nHead = 0, nHeadKv = 0, headDim = 0;
    int64_t ff = 0;
    bool tied = false;
    bool attentionBias = false;
    bool mla = false; // kv_lora_rank present: DeepSeek multi-head latent attention
};

struct ShapeBuilder {
    ModelShape shape;
    // Throws ql::Error when rows x cols x count passes 2^50 parameters: a config whose sizes
    // are each accepted can still multiply past int64.
    void add(std::string name, TensorRole role, int64_t rows, int64_t cols, int64_t count);
    void linear(std::string name, int64_t rows, int64_t cols, int64_t count) {
        add(std::move(name), TensorRole::Linear, rows, cols, count);
    }
    void vector(std::string name, int64_t size, int64_t count) {
        add(std::move(name), TensorRole::Vector, 1, size, count);
    }
};

// Required positive integer; throws ql::JsonValueError "config.json: 'key' ..." naming the
// key's path, so that the caller holding the file's text can add its byte offset. So do the
// optional readers below.
int64_t reqInt(const nlohmann::json& c, const char* key);
// Optional integer: `fallback` when absent or null. Throws ql::Error for another type, or
// a magnitude above 2^24 (no real config comes near; products of such values overflow).
int64_t optInt(const nlohmann::json& c, const char* key, int64_t fallback = 0);
// Optional values of other types, with the same contract: a wrong type is a ql::Error
// naming the key (nlohmann's value() would throw its own type_error).
std::string optString(const nlohmann::json& c, const char* key, const std::string& fallback);
bool optBool(const nlohmann::json& c, const char* key, bool fallback);
std::vector<int64_t> optIntList(const nlohmann::json& c, const char* key);

HfDims readDims(const nlohmann::json& c);
std::vector<int64_t> slidingWindows(const nlohmann::json& c, int64_t layers);
void addFeedForward(ShapeBuilder& b, const HfDims& d, const nlohmann::json& c);
// DeepSeek's multi-token-prediction layers (num_nextn_predict_layers): in the checkpoint,
// left out of the published parameter count; recorded as excludedParameters.
void addMtpExcluded(ShapeBuilder& b, const HfDims& d, const nlohmann::json& c);

} // namespace ql::fit
