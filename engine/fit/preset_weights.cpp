#include "engine/fit/preset_weights.h"

#include "engine/core/error.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace ql::fit {
namespace {

struct Part {
    std::string_view hf;   // the group's name after "layers.*."
    std::string_view gguf; // blk.N.<this>.weight
};

// convert_hf_to_gguf.py's names for the groups hf_config.cpp creates.
constexpr std::array kParts{
    Part{"self_attn.q_proj", "attn_q"},
    Part{"self_attn.k_proj", "attn_k"},
    Part{"self_attn.v_proj", "attn_v"},
    Part{"self_attn.o_proj", "attn_output"},
    Part{"self_attn.q_a_proj", "attn_q_a"},
    Part{"self_attn.q_b_proj", "attn_q_b"},
    Part{"self_attn.kv_a_proj_with_mqa", "attn_kv_a_mqa"},
    Part{"self_attn.kv_b_proj", "attn_kv_b"},
    Part{"mlp.gate_proj", "ffn_gate"},
    Part{"mlp.up_proj", "ffn_up"},
    Part{"mlp.down_proj", "ffn_down"},
    Part{"mlp.experts.*.gate_proj", "ffn_gate_exps"},
    Part{"mlp.experts.*.up_proj", "ffn_up_exps"},
    Part{"mlp.experts.*.down_proj", "ffn_down_exps"},
    Part{"mlp.experts.*.gate_up_proj", "ffn_gate_up_exps"},
    Part{"block_sparse_moe.experts.*.gate_proj", "ffn_gate_exps"},
    Part{"block_sparse_moe.experts.*.up_proj", "ffn_up_exps"},
    Part{"block_sparse_moe.experts.*.down_proj", "ffn_down_exps"},
    Part{"mlp.shared_expert.gate_proj", "ffn_gate_shexp"},
    Part{"mlp.shared_expert.up_proj", "ffn_up_shexp"},
    Part{"mlp.shared_expert.down_proj", "ffn_down_shexp"},
    Part{"mlp.shared_experts.gate_proj", "ffn_gate_shexp"},
    Part{"mlp.shared_experts.up_proj", "ffn_up_shexp"},
    Part{"mlp.shared_experts.down_proj", "ffn_down_shexp"},
};

constexpr std::string_view kLayers = "layers.*.";

// One tensor the rules see: its GGUF name, and the group it stands for (count copies).
struct PresetTensor {
    std::string name;
    const TensorGroup* group;
    int64_t copies;
};

bool isFloat(WeightFormat f) {
    return f == WeightFormat::F32 || f == WeightFormat::F16 || f == WeightFormat::BF16;
}

// Quantized by llama-quantize: matrices, not routers or vectors, not already quantized.
bool quantized(const TensorGroup& g) {
    const bool role = g.role == TensorRole::Linear || g.role == TensorRole::Embedding ||
                      g.role == TensorRole::Output;
    return role && (!g.storedFormat || isFloat(*g.storedFormat));
}

std::string ggufName(const TensorGroup& g) {
    if (g.name == "embed_tokens")
        return "token_embd.weight";
    if (g.name == "lm_head")
        return "output.weight";
    return llamaCppTensorName(g.name);
}

// A config group of `layers` identical tensors per layer, one per layer; a file's tensor
// as it is.
void place(std::vector<PresetTensor>& out, const TensorGroup& g, int64_t layers,
           const std::string& shapeName) {
    if (!g.name.starts_with(kLayers)) {
        out.push_back({ggufName(g), &g, g.count}); // a MoE stack: count experts
        return;
    }
    const std::string_view rest = std::string_view(g.name).substr(kLayers.size());
    const auto part =
        std::find_if(kParts.begin(), kParts.end(), [&](const Part& p) { return p.hf == rest; });
    if (part == kParts.end())
        throw Error("llama-quantize presets: no GGUF name known for '" + g.name + "' of " +
                    shapeName);
    if (layers <= 0 || g.count % layers != 0)
        throw Error("llama-quantize presets are sized layer by layer, and '" + g.name +
                    "' covers " + std::to_string(g.count) + " tensors over " +
                    std::to_string(layers) + " layers of " + shapeName +
                    " (dense and MoE layers mixed are not placed); use --format");
    for (int64_t i = 0; i < layers; ++i)
        out.push_back({"blk." + std::to_string(i) + "." + std::string(part->gguf) + ".weight", &g,
                       g.count / layers});
}

LlamaModelFacts factsOf(const ModelShape& s, const std::vector<PresetTensor>& tensors) {
    LlamaModelFacts f;
    f.architecture = llamaCppArchitecture(s.modelType);
    f.nLayer = s.attention.nLayer;
    f.nHead = s.attention.nHead;
    f.nHeadKv = s.attention.nHeadKv;
    f.hasOutput = std::any_of(tensors.begin(), tensors.end(),
                              [](const PresetTensor& t) { return t.name == "output.weight"; });
    for (const auto& t : tensors)
        if (t.name.find("_exps") != std::string::npos)
            f.nExpert = std::max(f.nExpert, t.copies);
    return f;
}

WeightFormat fitFormat(QuantFormat f) {
    const auto& name = quantFormatInfo(f).name;
    const auto w = weightFormatFromName(name);
    if (!w)
        throw Error("llama-quantize presets: no size known for " + std::string(name));
    return *w;
}

void add(WeightBreakdown& w, const TensorGroup& g, WeightFormat f, int64_t copies) {
    const uint64_t n = uint64_t(g.rows) * uint64_t(g.cols) * uint64_t(copies);
    const uint64_t bytes = tensorBytes(f, g.rows, g.cols) * uint64_t(copies);
    w.parameters += int64_t(n);
    if (isFloat(f)) {
        w.unquantized += bytes;
        return;
    }
    const auto codes = uint64_t(double(n) * weightFormatInfo(f).codeBits / 8.0);
    w.codes += codes;
    w.metadata += bytes - codes;
    w.quantizedParameters += int64_t(n);
}

// What llama-quantize leaves: 1-D tensors in F32 (as GGUF stores them), routers and
// already-quantized tensors as they are (a config's in bf16).
void addKept(WeightBreakdown& w, const TensorGroup& g) {
    if (g.storedBytes > 0) {
        w.parameters += g.parameters();
        w.unquantized += g.storedBytes;
        return;
    }
    add(w, g, g.role == TensorRole::Vector ? WeightFormat::F32 : WeightFormat::BF16, g.count);
}

} // namespace

WeightBreakdown presetWeightBytes(const ModelShape& shape, LlamaPreset preset) {
    std::vector<PresetTensor> tensors;
    WeightBreakdown w;
    for (const auto& g : shape.tensors) {
        if (quantized(g))
            place(tensors, g, shape.attention.nLayer, shape.name);
        else
            addKept(w, g);
    }
    std::vector<LlamaTensorRef> refs;
    for (const auto& t : tensors)
        refs.push_back({t.name, t.group->cols});
    const auto formats = llamaPresetFormats(preset, factsOf(shape, tensors), refs);
    for (size_t i = 0; i < tensors.size(); ++i)
        add(w, *tensors[i].group, fitFormat(formats[i]), tensors[i].copies);
    return w;
}

} // namespace ql::fit
