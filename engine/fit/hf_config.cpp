#include "engine/fit/hf_config.h"

#include "engine/core/error.h"
#include "engine/core/mapped_file.h"
#include "engine/fit/checkpoint_quant.h"
#include "engine/fit/hf_config_parts.h"
#include "engine/model/json_locate.h"
#include "engine/model/json_util.h"

#include <nlohmann/json.hpp>

namespace ql::fit {
namespace {

void addAttention(ShapeBuilder& b, const HfDims& d) {
    const int64_t q = d.nHead * d.headDim, kv = d.nHeadKv * d.headDim;
    b.linear("layers.*.self_attn.q_proj", q, d.hidden, d.layers);
    b.linear("layers.*.self_attn.k_proj", kv, d.hidden, d.layers);
    b.linear("layers.*.self_attn.v_proj", kv, d.hidden, d.layers);
    b.linear("layers.*.self_attn.o_proj", d.hidden, q, d.layers);
    const bool qwen2 = d.modelType == "qwen2" || d.modelType == "qwen2_moe";
    if (d.attentionBias || qwen2) {
        b.vector("layers.*.self_attn.qkv_bias", q + 2 * kv, d.layers);
        if (!qwen2)
            b.vector("layers.*.self_attn.o_proj.bias", d.hidden, d.layers);
    }
    if (d.modelType == "qwen3" || d.modelType == "qwen3_moe")
        b.vector("layers.*.self_attn.qk_norm", 2 * d.headDim, d.layers);
    if (d.modelType == "gpt_oss")
        b.vector("layers.*.self_attn.sinks", d.nHead, d.layers);
}

void addMlaAttention(ShapeBuilder& b, const HfDims& d, const nlohmann::json& c, int64_t count) {
    const int64_t qLora = optInt(c, "q_lora_rank"), kvLora = reqInt(c, "kv_lora_rank");
    const int64_t nope = reqInt(c, "qk_nope_head_dim"), rope = reqInt(c, "qk_rope_head_dim");
    const int64_t v = reqInt(c, "v_head_dim");
    const int64_t qRows = d.nHead * (nope + rope);
    if (qLora > 0) {
        b.linear("layers.*.self_attn.q_a_proj", qLora, d.hidden, count);
        b.vector("layers.*.self_attn.q_a_layernorm", qLora, count);
        b.linear("layers.*.self_attn.q_b_proj", qRows, qLora, count);
    } else {
        b.linear("layers.*.self_attn.q_proj", qRows, d.hidden, count);
    }
    b.linear("layers.*.self_attn.kv_a_proj_with_mqa", kvLora + rope, d.hidden, count);
    b.vector("layers.*.self_attn.kv_a_layernorm", kvLora, count);
    b.linear("layers.*.self_attn.kv_b_proj", d.nHead * (nope + v), kvLora, count);
    b.linear("layers.*.self_attn.o_proj", d.hidden, d.nHead * v, count);
}

AttentionShape attentionShape(const HfDims& d, const nlohmann::json& c) {
    AttentionShape a;
    a.nLayer = d.layers;
    a.nHead = d.nHead;
    a.nHeadKv = d.nHeadKv;
    a.headDimK = d.headDim;
    a.headDimV = d.headDim;
    if (d.mla) {
        a.mla = true;
        a.headDimK = reqInt(c, "qk_nope_head_dim") + reqInt(c, "qk_rope_head_dim");
        a.headDimV = reqInt(c, "v_head_dim");
        a.mlaLatentDim = reqInt(c, "kv_lora_rank") + reqInt(c, "qk_rope_head_dim");
    }
    a.window = slidingWindows(c, d.layers);
    return a;
}

} // namespace

bool looksLikeHfConfig(const nlohmann::json& j) {
    return j.is_object() && (j.contains("hidden_size") || j.contains("model_type"));
}

ModelShape shapeFromHfConfig(const nlohmann::json& c, const std::string& name) {
    const HfDims d = readDims(c);
    ShapeBuilder b;
    b.shape.name = name;
    b.shape.modelType = d.modelType;
    b.shape.nEmbd = d.hidden;
    b.shape.nVocab = d.vocab;
    b.add("embed_tokens", TensorRole::Embedding, d.vocab, d.hidden, 1);
    if (!d.tied)
        b.add("lm_head", TensorRole::Output, d.vocab, d.hidden, 1);
    b.vector("norm", d.hidden, 1);
    b.vector("layers.*.layernorms", 2 * d.hidden, d.layers);
    if (d.mla)
        addMlaAttention(b, d, c, d.layers);
    else
        addAttention(b, d);
    addFeedForward(b, d, c);
    if (d.mla)
        addMtpExcluded(b, d, c);
    b.shape.attention = attentionShape(d, c);
    b.shape.maxPositions = optInt(c, "max_position_embeddings");
    b.shape.checkpoint = quantizationFromConfig(c);
    return b.shape;
}

ModelShape shapeFromHfConfigFile(const std::filesystem::path& path) {
    const MappedFile text(path); // kept to say where a bad value starts
    const auto j = parseJson(text.bytes(), path.filename().string(), 0, "the file");
    if (!looksLikeHfConfig(j))
        throw Error(path.string() + ": not a model config.json (no hidden_size or model_type)");
    ModelShape shape;
    try {
        shape = shapeFromHfConfig(j, path.filename().string());
    } catch (const JsonValueError& e) {
        throw Error(path.string() + ": " + atJsonValue(e, asText(text.bytes())).what());
    } catch (const Error& e) {
        throw Error(path.string() + ": " + e.what());
    }
    // ModelOpt describes its checkpoint in a file of its own, which vLLM and TensorRT-LLM
    // read in place of config.json's quantization_config.
    const auto modelOpt = modelOptConfigBeside(path);
    if (std::filesystem::is_regular_file(modelOpt)) {
        const MappedFile quantText(modelOpt);
        const auto q = parseJson(quantText.bytes(), modelOpt.filename().string(), 0, "the file");
        try {
            shape.checkpoint = quantizationFromModelOpt(q, modelOpt.filename().string());
        } catch (const JsonValueError& e) {
            throw Error(modelOpt.string() + ": " +
                        atJsonValue(e, asText(quantText.bytes())).what());
        }
    }
    return shape;
}

} // namespace ql::fit
