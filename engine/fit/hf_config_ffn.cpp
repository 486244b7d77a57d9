// Feed-forward parts of the config.json reader: dense SwiGLU MLPs, routed and shared
// experts, and DeepSeek's multi-token-prediction module.
#include "engine/fit/hf_config_parts.h"

#include <algorithm>

namespace ql::fit {
namespace {

// gate, up (ff x hidden) and down (hidden x ff), `count` times.
// Gate and up are separate tensors in the checkpoints (and in GGUF): each has its own
// scale under per-tensor formats.
void swiglu(ShapeBuilder& b, const std::string& prefix, int64_t hidden, int64_t ff, int64_t count) {
    b.linear(prefix + ".gate_proj", ff, hidden, count);
    b.linear(prefix + ".up_proj", ff, hidden, count);
    b.linear(prefix + ".down_proj", hidden, ff, count);
}

// gpt-oss stores its experts' gate and up as one tensor.
void fusedSwiglu(ShapeBuilder& b, const std::string& prefix, int64_t hidden, int64_t ff,
                 int64_t count) {
    b.linear(prefix + ".gate_up_proj", 2 * ff, hidden, count);
    b.linear(prefix + ".down_proj", hidden, ff, count);
}

void router(ShapeBuilder& b, const std::string& prefix, int64_t experts, int64_t hidden,
            int64_t count) {
    b.add(prefix + ".gate", TensorRole::Router, experts, hidden, count);
}

void mixtral(ShapeBuilder& b, const HfDims& d, const nlohmann::json& c) {
    const int64_t e = reqInt(c, "num_local_experts");
    swiglu(b, "layers.*.block_sparse_moe.experts.*", d.hidden, d.ff, d.layers * e);
    router(b, "layers.*.block_sparse_moe", e, d.hidden, d.layers);
    b.shape.nFfActive = d.ff * optInt(c, "num_experts_per_tok", 2);
}

// Qwen2-MoE / Qwen3-MoE: layer i is sparse unless listed in mlp_only_layers or off the
// decoder_sparse_step grid; Qwen2-MoE adds one gated shared expert per layer.
void qwenMoe(ShapeBuilder& b, const HfDims& d, const nlohmann::json& c) {
    const int64_t e = reqInt(c, "num_experts"), moeFf = reqInt(c, "moe_intermediate_size");
    const int64_t step = std::max<int64_t>(1, optInt(c, "decoder_sparse_step", 1));
    const auto only = optIntList(c, "mlp_only_layers");
    int64_t sparse = 0;
    for (int64_t i = 0; i < d.layers; ++i)
        if (std::find(only.begin(), only.end(), i) == only.end() && (i + 1) % step == 0)
            ++sparse;
    swiglu(b, "layers.*.mlp", d.hidden, d.ff, d.layers - sparse);
    swiglu(b, "layers.*.mlp.experts.*", d.hidden, moeFf, sparse * e);
    router(b, "layers.*.mlp", e, d.hidden, sparse);
    const int64_t sharedFf = optInt(c, "shared_expert_intermediate_size");
    swiglu(b, "layers.*.mlp.shared_expert", d.hidden, sharedFf, sparse);
    b.add("layers.*.mlp.shared_expert_gate", TensorRole::Router, sharedFf > 0 ? 1 : 0, d.hidden,
          sparse);
    b.shape.nFfActive = std::max(d.ff, moeFf * optInt(c, "num_experts_per_tok", 1) + sharedFf);
}

// One DeepSeek MoE layer's feed-forward: routed experts, shared experts (n_shared x
// moe_intermediate_size, stored as one MLP), router and its score-correction bias.
void deepseekMoe(ShapeBuilder& b, const HfDims& d, const nlohmann::json& c, int64_t count) {
    const int64_t e = reqInt(c, "n_routed_experts"), moeFf = reqInt(c, "moe_intermediate_size");
    const int64_t shared = optInt(c, "n_shared_experts");
    swiglu(b, "layers.*.mlp.experts.*", d.hidden, moeFf, count * e);
    swiglu(b, "layers.*.mlp.shared_experts", d.hidden, moeFf * shared, count);
    router(b, "layers.*.mlp", e, d.hidden, count);
    if (optString(c, "topk_method", "") == "noaux_tc")
        b.vector("layers.*.mlp.gate.e_score_correction_bias", e, count);
}

void deepseek(ShapeBuilder& b, const HfDims& d, const nlohmann::json& c) {
    const int64_t dense = std::min(d.layers, optInt(c, "first_k_dense_replace"));
    swiglu(b, "layers.*.mlp", d.hidden, d.ff, dense);
    deepseekMoe(b, d, c, d.layers - dense);
    const int64_t moeFf = reqInt(c, "moe_intermediate_size");
    b.shape.nFfActive = std::max(
        d.ff, moeFf * (optInt(c, "num_experts_per_tok", 1) + optInt(c, "n_shared_experts")));
}

// gpt-oss: fused gate_up with biases per expert, down with bias, router with bias.
void gptOss(ShapeBuilder& b, const HfDims& d, const nlohmann::json& c) {
    const int64_t e = reqInt(c, "num_local_experts");
    fusedSwiglu(b, "layers.*.mlp.experts.*", d.hidden, d.ff, d.layers * e);
    b.vector("layers.*.mlp.experts.*.biases", 2 * d.ff + d.hidden, d.layers * e);
    router(b, "layers.*.mlp.router", e, d.hidden, d.layers);
    b.vector("layers.*.mlp.router.bias", e, d.layers);
    b.shape.nFfActive = d.ff * optInt(c, "num_experts_per_tok", 4);
}

} // namespace

void addFeedForward(ShapeBuilder& b, const HfDims& d, const nlohmann::json& c) {
    if (d.modelType == "mixtral")
        return mixtral(b, d, c);
    if (d.modelType == "qwen2_moe" || d.modelType == "qwen3_moe")
        return qwenMoe(b, d, c);
    if (d.mla)
        return deepseek(b, d, c);
    if (d.modelType == "gpt_oss")
        return gptOss(b, d, c);
    swiglu(b, "layers.*.mlp", d.hidden, d.ff, d.layers);
    b.shape.nFfActive = d.ff;
}

void addMtpExcluded(ShapeBuilder& b, const HfDims& d, const nlohmann::json& c) {
    const int64_t n = optInt(c, "num_nextn_predict_layers");
    if (n <= 0)
        return;
    // Each MTP layer: a full MoE decoder layer (its MLA attention counted as in the main
    // stack), enorm + hnorm, eh_proj (hidden x 2 hidden), and in the checkpoint its own
    // copies of embed_tokens and shared_head (norm + head).
    ShapeBuilder mtp;
    HfDims one = d;
    one.layers = n;
    const int64_t kvLora = reqInt(c, "kv_lora_rank"), rope = reqInt(c, "qk_rope_head_dim");
    const int64_t nope = reqInt(c, "qk_nope_head_dim"), v = reqInt(c, "v_head_dim");
    const int64_t qLora = optInt(c, "q_lora_rank");
    const int64_t qRows = d.nHead * (nope + rope);
    mtp.linear("q", qLora > 0 ? qRows : 0, qLora, n);
    mtp.linear("q_a", qLora > 0 ? qLora : qRows, d.hidden, n);
    mtp.vector("q_a_norm", qLora, n);
    mtp.linear("kv_a", kvLora + rope, d.hidden, n);
    mtp.vector("kv_a_norm", kvLora, n);
    mtp.linear("kv_b", d.nHead * (nope + v), kvLora, n);
    mtp.linear("o", d.hidden, d.nHead * v, n);
    deepseekMoe(mtp, one, c, n);
    mtp.vector("norms", 5 * d.hidden, n); // 2 layer norms, enorm, hnorm, shared_head.norm
    mtp.linear("eh_proj", d.hidden, 2 * d.hidden, n);
    mtp.linear("embed_and_head", 2 * d.vocab, d.hidden, n);
    b.shape.excludedParameters = mtp.shape.parameters();
    b.shape.excludedNote = std::to_string(n) +
                           " multi-token-prediction layer(s) (num_nextn_predict_layers) are "
                           "in the checkpoint but not in the published size, nor here";
}

} // namespace ql::fit
