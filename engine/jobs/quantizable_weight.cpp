// Which tensors a variant quantizes. llama-quantize decides by dimensions (2-D matrices and
// 3-D MoE expert stacks) and then keeps a list of tensors as stored by name: routers
// decide which experts run and are tiny, the others are small 2-D tensors of particular
// architectures. Quantlens applies the same rule so that a variant's bytes and error match
// the file llama-quantize would write (src/llama-quant.cpp, tensor_allows_quantization).
#include "engine/jobs/quantize_job.h"
#include "engine/model/model.h"
#include "engine/quant/formats.h"

#include <array>
#include <string_view>

namespace ql {
namespace {

struct KeptName {
    std::string_view fragment; // found anywhere in the tensor's name
    std::string_view why;
};

constexpr std::array kKeptNames{
    KeptName{"_norm.weight", "a norm"},
    KeptName{"ffn_gate_inp.weight", "a MoE router (expert gating)"},
    KeptName{"altup", "a small AltUp tensor (Gemma 3n)"},
    KeptName{"laurel", "a small LAuReL tensor (Gemma 3n)"},
    KeptName{"per_layer_model_proj", "a per-layer projection (Gemma 3n)"},
    KeptName{"position_embd", "a position embedding"},
    KeptName{"token_types.weight", "token-type embeddings (BERT)"},
    KeptName{"ssm_conv1d", "an SSM convolution"},
    KeptName{"shortconv.conv.weight", "a short convolution"},
    KeptName{"indexer.k_proj.weight", "an indexer projection"},
    KeptName{"indexer.q_proj.weight", "an indexer projection"},
    KeptName{"time_mix_first.weight", "a small RWKV mixing tensor"},
    KeptName{"time_mix_w0.weight", "a small RWKV mixing tensor"},
    KeptName{"time_mix_w1.weight", "a small RWKV mixing tensor"},
    KeptName{"time_mix_w2.weight", "a small RWKV mixing tensor"},
    KeptName{"time_mix_v0.weight", "a small RWKV mixing tensor"},
    KeptName{"time_mix_v1.weight", "a small RWKV mixing tensor"},
    KeptName{"time_mix_v2.weight", "a small RWKV mixing tensor"},
    KeptName{"time_mix_a0.weight", "a small RWKV mixing tensor"},
    KeptName{"time_mix_a1.weight", "a small RWKV mixing tensor"},
    KeptName{"time_mix_a2.weight", "a small RWKV mixing tensor"},
    KeptName{"time_mix_g1.weight", "a small RWKV mixing tensor"},
    KeptName{"time_mix_g2.weight", "a small RWKV mixing tensor"},
    KeptName{"time_mix_decay_w1.weight", "a small RWKV mixing tensor"},
    KeptName{"time_mix_decay_w2.weight", "a small RWKV mixing tensor"},
    KeptName{"time_mix_lerp_fused.weight", "a small RWKV mixing tensor"},
    KeptName{"attn_rel_b.weight", "a relative position bias (T5)"},
    KeptName{".rel_pos", "a relative position table"},
    KeptName{".patch_embd", "a vision patch embedding"},
    KeptName{".patch_merger", "a vision patch merger"},
};

} // namespace

std::string keptAsStoredByName(const std::string& name) {
    for (const auto& k : kKeptNames)
        if (name.find(k.fragment) != std::string::npos)
            return std::string(k.why);
    return {};
}

std::string keptAsStoredReason(const TensorInfo& t, QuantFormat target) {
    if (t.shape.size() < 2)
        return {};
    if (isFloatDType(t.dtype))
        return keptAsStoredByName(t.name);
    const std::string stored(dtypeInfo(t.dtype).name);
    const auto& info = quantFormatInfo(target);
    if (info.kind == QuantKind::Block && info.storage == t.dtype)
        return "already " + stored + ", the target's storage type: copied as stored, as " +
               "llama-quantize copies it";
    return "already quantized (" + stored +
           "): llama-quantize refuses to requantize it without --allow-requantize, which "
           "would compound two roundings";
}

bool isQuantizableWeight(const TensorInfo& t) {
    return t.shape.size() >= 2 && isFloatDType(t.dtype) && t.elements() > 0 &&
           keptAsStoredByName(t.name).empty();
}

} // namespace ql
