#include "engine/fit/preset_weights.h"

#include "engine/core/error.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>

namespace ql::fit {
namespace {

struct Part {
    std::string_view group; // the group's name after "layers.*."
    std::string_view gguf;  // blk.N.<this>.weight
};

// The expert groups hf_config.cpp creates, which GGUF stacks into one tensor per layer.
// Every other block group is named as its checkpoint tensor is (llamaCppTensorName).
constexpr std::array kExpertStacks{
    Part{"mlp.experts.*.gate_proj", "ffn_gate_exps"},
    Part{"mlp.experts.*.up_proj", "ffn_up_exps"},
    Part{"mlp.experts.*.down_proj", "ffn_down_exps"},
    Part{"mlp.experts.*.gate_up_proj", "ffn_gate_up_exps"},
    Part{"block_sparse_moe.experts.*.gate_proj", "ffn_gate_exps"},
    Part{"block_sparse_moe.experts.*.up_proj", "ffn_up_exps"},
    Part{"block_sparse_moe.experts.*.down_proj", "ffn_down_exps"},
};

constexpr std::string_view kLayers = "layers.*.";

// One tensor the rules see: its GGUF name, and the group it stands for (count copies).
struct PresetTensor {
    std::string name;
    const TensorGroup* group;
    int64_t copies;
};

// Quantized by llama-quantize: matrices, not routers or vectors, not already quantized.
bool quantized(const TensorGroup& g) {
    const bool role = g.role == TensorRole::Linear || g.role == TensorRole::Embedding ||
                      g.role == TensorRole::Output;
    return role && (!g.storedFormat || isFloatFormat(*g.storedFormat));
}

std::string ggufName(const TensorGroup& g) {
    if (g.name == "embed_tokens")
        return "token_embd.weight";
    if (g.name == "lm_head")
        return "output.weight";
    return llamaCppTensorName(g.name);
}

// Layer i's copy of a block group ("self_attn.v_proj" -> "blk.3.attn_v.weight").
std::optional<std::string> layerTensorName(std::string_view group, int64_t i) {
    const std::string blk = "blk." + std::to_string(i) + ".";
    for (const auto& p : kExpertStacks)
        if (p.group == group)
            return blk + std::string(p.gguf) + ".weight";
    const std::string hf =
        "model.layers." + std::to_string(i) + "." + std::string(group) + ".weight";
    std::string gguf = llamaCppTensorName(hf);
    return gguf.starts_with(blk) ? std::optional(std::move(gguf)) : std::nullopt;
}

// A config group of `layers` identical tensors per layer, one per layer; a file's tensor
// as it is.
void place(std::vector<PresetTensor>& out, const TensorGroup& g, int64_t layers,
           const std::string& shapeName) {
    if (!g.name.starts_with(kLayers)) {
        out.push_back({ggufName(g), &g, g.count}); // a MoE stack: count experts
        return;
    }
    const std::string_view group = std::string_view(g.name).substr(kLayers.size());
    if (!layerTensorName(group, 0))
        throw Error("llama-quantize presets: no GGUF name known for '" + g.name + "' of " +
                    shapeName);
    if (layers <= 0 || g.count % layers != 0)
        throw Error("llama-quantize presets are sized layer by layer, and '" + g.name +
                    "' covers " + std::to_string(g.count) + " tensors over " +
                    std::to_string(layers) + " layers of " + shapeName +
                    " (dense and MoE layers mixed are not placed); use --format");
    for (int64_t i = 0; i < layers; ++i)
        out.push_back({*layerTensorName(group, i), &g, g.count / layers});
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
    addWeights(w, g.rows * g.cols * copies, f, tensorBytes(f, g.rows, g.cols) * uint64_t(copies));
}

// What llama-quantize leaves: routers and already-quantized tensors as they are (a
// config's in bf16), 1-D tensors in F32 (as GGUF stores them).
void addKept(WeightBreakdown& w, const TensorGroup& g) {
    if (g.storedBytes > 0)
        addWeights(w, g.parameters(), g.storedFormat.value_or(WeightFormat::F32), g.storedBytes);
    else
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
