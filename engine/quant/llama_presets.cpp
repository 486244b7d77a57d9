#include "engine/quant/llama_presets.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <numeric>

namespace ql {
namespace {

using P = LlamaPreset;
using F = QuantFormat;

bool is(P p, std::initializer_list<P> any) {
    return std::find(any.begin(), any.end(), p) != any.end();
}

bool contains(std::string_view name, std::string_view part) {
    return name.find(part) != std::string_view::npos;
}

// llama.cpp's use_more_bits: the first and last eighth of the layers and every third
// layer between them.
bool useMoreBits(int64_t i, int64_t n) {
    return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

// "blk.N." -> N; -1 outside the blocks (llama.cpp's weight_name_comparer and MoE rules).
int64_t layerOf(std::string_view name) {
    int layer = -1;
    if (name.starts_with("blk.") && std::sscanf(std::string(name).c_str(), "blk.%d.", &layer) == 1)
        return layer;
    return -1;
}

struct Counters {
    int64_t nAttentionWv = 0, iAttentionWv = 0, iFfnDown = 0;
};

// output.weight, or token_embd when it serves as the output too.
F outputFormat(const LlamaModelFacts& m, F t, int64_t cols) {
    if (m.architecture == "falcon" || cols % blockMultiple(t) != 0)
        return F::Q8_0;
    return t != F::Q8_0 ? F::Q6_K : t;
}

F attnVFormat(P p, const LlamaModelFacts& m, F t, Counters& c) {
    const int64_t gqa = m.nHeadKv > 0 ? m.nHead / m.nHeadKv : 1;
    const int64_t i = c.iAttentionWv, n = c.nAttentionWv;
    if (p == P::Q2_K)
        t = gqa >= 4 ? F::Q4_K : F::Q3_K;
    else if (p == P::Q2_K_S && gqa >= 4)
        t = F::Q4_K;
    else if (p == P::Q3_K_M)
        t = i < 2 ? F::Q5_K : F::Q4_K;
    else if (p == P::Q3_K_L)
        t = F::Q5_K;
    else if (p == P::IQ4_NL && gqa >= 4)
        t = F::Q5_K;
    else if (is(p, {P::Q4_K_M, P::Q5_K_M}) && useMoreBits(i, n))
        t = F::Q6_K;
    else if (p == P::Q4_K_S && i < 4)
        t = F::Q5_K;
    // llama.cpp's LLM_TYPE_70B (llama-model.cpp): a llama of 80 layers with grouped-query
    // attention (65B without), a qwen2 or deci of 80 layers.
    const bool is70B = m.nLayer == 80 && ((m.architecture == "llama" && m.nHead != m.nHeadKv) ||
                                          m.architecture == "qwen2" || m.architecture == "deci");
    if (is70B && (t == F::Q3_K || t == F::Q4_K))
        t = F::Q5_K;
    if (m.nExpert == 8)
        t = F::Q8_0;
    ++c.iAttentionWv;
    return t;
}

F ffnDownFormat(P p, const LlamaModelFacts& m, F t, int64_t i, int64_t n) {
    const bool falcon = m.architecture == "falcon";
    if (p == P::Q2_K)
        return F::Q3_K;
    if (p == P::Q2_K_S)
        return i < n / 8 ? F::Q4_K : t;
    if (p == P::Q3_K_M)
        return i < n / 16 ? F::Q5_K : (!falcon || useMoreBits(i, n)) ? F::Q4_K : F::Q3_K;
    if (p == P::Q3_K_L)
        return falcon ? F::Q4_K : F::Q5_K;
    if (p == P::Q4_K_M) {
        if (falcon)
            return i < n / 16 ? F::Q6_K : useMoreBits(i, n) ? F::Q5_K : F::Q4_K;
        return useMoreBits(i, n) ? F::Q6_K : t;
    }
    if (i < n / 8 && p == P::IQ4_NL && !m.imatrix)
        return F::Q5_K;
    if (p == P::Q5_K_M && useMoreBits(i, n))
        return F::Q6_K;
    if (p == P::Q4_K_S && !falcon && i < n / 8)
        return F::Q5_K;
    if (is(p, {P::Q4_0, P::Q5_0}) && m.imatrix && i < n / 8)
        return p == P::Q4_0 ? F::Q4_1 : F::Q5_1;
    return t;
}

F attnOutputFormat(P p, const LlamaModelFacts& m, F t) {
    if (m.architecture == "falcon")
        return p == P::Q3_K_L ? F::Q4_K : t;
    if (m.nExpert == 8)
        return is(p, {P::Q2_K, P::Q3_K_S, P::Q3_K_M, P::IQ4_NL, P::Q4_K_S, P::Q4_K_M}) ? F::Q5_K
                                                                                       : t;
    if (p == P::Q2_K)
        return F::Q3_K;
    if (p == P::Q3_K_M)
        return F::Q4_K;
    if (p == P::Q3_K_L)
        return F::Q5_K;
    return t;
}

F attnQkvFormat(P p, F t) {
    if (is(p, {P::Q3_K_M, P::Q3_K_L}))
        return F::Q4_K;
    if (p == P::Q4_K_M)
        return F::Q5_K;
    if (p == P::Q5_K_M)
        return F::Q6_K;
    return t;
}

// llama_tensor_get_type's rules for the file types above, before the row-length fallback.
F ruleFormat(P p, const LlamaModelFacts& m, const LlamaTensorRef& t, Counters& c) {
    const F base = llamaPresetInfo(p).base;
    const std::string_view name = t.name;
    if (name == "output.weight" || (!m.hasOutput && name == "token_embd.weight"))
        return outputFormat(m, base, t.cols);
    if (name == "token_embd.weight")
        return base;
    if (contains(name, "attn_v.weight"))
        return attnVFormat(p, m, base, c);
    if (contains(name, "attn_k.weight"))
        return m.nExpert == 8 ? F::Q8_0 : base;
    if (contains(name, "ffn_down")) {
        // MoE: the layer from the name, since experts and shared experts both count.
        const int64_t i = m.nExpert > 1 ? layerOf(name) : c.iFfnDown;
        ++c.iFfnDown;
        return ffnDownFormat(p, m, base, i, m.nLayer);
    }
    if (contains(name, "attn_output.weight"))
        return attnOutputFormat(p, m, base);
    if (contains(name, "attn_qkv.weight"))
        return attnQkvFormat(p, base);
    return base;
}

struct Renamed {
    std::string_view hf, gguf;
};

// convert_hf_to_gguf.py's names for a block's tensors: llama's, DeepSeek's latent
// attention, and the shared experts of Qwen-MoE (shared_expert) and DeepSeek
// (shared_experts).
constexpr Renamed kLayerParts[] = {
    {"self_attn.q_proj.weight", "attn_q.weight"},
    {"self_attn.k_proj.weight", "attn_k.weight"},
    {"self_attn.v_proj.weight", "attn_v.weight"},
    {"self_attn.o_proj.weight", "attn_output.weight"},
    {"self_attn.q_a_proj.weight", "attn_q_a.weight"},
    {"self_attn.q_b_proj.weight", "attn_q_b.weight"},
    {"self_attn.kv_a_proj_with_mqa.weight", "attn_kv_a_mqa.weight"},
    {"self_attn.kv_b_proj.weight", "attn_kv_b.weight"},
    {"mlp.gate_proj.weight", "ffn_gate.weight"},
    {"mlp.up_proj.weight", "ffn_up.weight"},
    {"mlp.down_proj.weight", "ffn_down.weight"},
    {"mlp.shared_expert.gate_proj.weight", "ffn_gate_shexp.weight"},
    {"mlp.shared_expert.up_proj.weight", "ffn_up_shexp.weight"},
    {"mlp.shared_expert.down_proj.weight", "ffn_down_shexp.weight"},
    {"mlp.shared_experts.gate_proj.weight", "ffn_gate_shexp.weight"},
    {"mlp.shared_experts.up_proj.weight", "ffn_up_shexp.weight"},
    {"mlp.shared_experts.down_proj.weight", "ffn_down_shexp.weight"},
};

} // namespace

std::string llamaCppTensorName(std::string_view name) {
    if (name == "model.embed_tokens.weight")
        return "token_embd.weight";
    if (name == "lm_head.weight")
        return "output.weight";
    constexpr std::string_view prefix = "model.layers.";
    if (!name.starts_with(prefix))
        return std::string(name);
    const std::string_view rest = name.substr(prefix.size());
    const size_t dot = rest.find('.');
    if (dot == std::string_view::npos || dot == 0 ||
        !std::all_of(rest.begin(), rest.begin() + long(dot),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
        return std::string(name);
    for (const auto& part : kLayerParts)
        if (rest.substr(dot + 1) == part.hf)
            return "blk." + std::string(rest.substr(0, dot)) + "." + std::string(part.gguf);
    return std::string(name);
}

const std::vector<LlamaPresetInfo>& llamaPresets() {
    static const std::vector<LlamaPresetInfo> presets{
        {P::Q4_0, "Q4_0", F::Q4_0},           {P::Q4_1, "Q4_1", F::Q4_1},
        {P::Q5_0, "Q5_0", F::Q5_0},           {P::Q5_1, "Q5_1", F::Q5_1},
        {P::Q8_0, "Q8_0", F::Q8_0},           {P::Q2_K, "Q2_K", F::Q2_K},
        {P::Q2_K_S, "Q2_K_S", F::Q2_K, true}, {P::Q3_K_S, "Q3_K_S", F::Q3_K},
        {P::Q3_K_M, "Q3_K_M", F::Q3_K},       {P::Q3_K_L, "Q3_K_L", F::Q3_K},
        {P::Q4_K_S, "Q4_K_S", F::Q4_K},       {P::Q4_K_M, "Q4_K_M", F::Q4_K},
        {P::Q5_K_S, "Q5_K_S", F::Q5_K},       {P::Q5_K_M, "Q5_K_M", F::Q5_K},
        {P::Q6_K, "Q6_K", F::Q6_K},           {P::IQ4_NL, "IQ4_NL", F::IQ4_NL},
    };
    return presets;
}

const LlamaPresetInfo& llamaPresetInfo(LlamaPreset preset) {
    return llamaPresets()[size_t(preset)];
}

// llama-quantize's aliases: "Q4_K" writes Q4_K_M.
constexpr std::pair<std::string_view, LlamaPreset> kAliases[] = {
    {"Q3_K", LlamaPreset::Q3_K_M}, {"Q4_K", LlamaPreset::Q4_K_M}, {"Q5_K", LlamaPreset::Q5_K_M}};

template <typename Equal>
std::optional<LlamaPreset> findPreset(std::string_view name, Equal equal) {
    for (const auto& p : llamaPresets())
        if (equal(p.name, name))
            return p.preset;
    for (const auto& [alias, preset] : kAliases)
        if (equal(alias, name))
            return preset;
    return std::nullopt;
}

std::optional<LlamaPreset> llamaPresetFromName(std::string_view name) {
    return findPreset(name, [](std::string_view a, std::string_view b) {
        return a.size() == b.size() &&
               std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
                   return std::toupper(static_cast<unsigned char>(x)) ==
                          std::toupper(static_cast<unsigned char>(y));
               });
    });
}

std::optional<LlamaPreset> llamaPresetSpelled(std::string_view name) {
    return findPreset(name, [](std::string_view a, std::string_view b) { return a == b; });
}

std::string llamaCppArchitecture(std::string_view modelType) {
    return modelType == "mistral" ? "llama" : std::string(modelType);
}

std::optional<QuantFormat> variantBaseFormat(std::string_view name) {
    if (const auto p = llamaPresetFromName(name))
        return llamaPresetInfo(*p).base;
    return quantFormatFromName(name);
}

std::string llamaPresetNames() {
    std::string out;
    for (const auto& p : llamaPresets())
        out += (out.empty() ? "" : ", ") + std::string(p.name);
    return out;
}

std::vector<QuantFormat> llamaPresetFormats(LlamaPreset preset, const LlamaModelFacts& facts,
                                            std::span<const LlamaTensorRef> tensors) {
    // llama.cpp visits tensors outside the blocks first, then block by block, each in name
    // order; the attn_v counter runs over that order.
    std::vector<size_t> order(tensors.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        const int64_t la = layerOf(tensors[a].name), lb = layerOf(tensors[b].name);
        return la != lb ? la < lb : tensors[a].name < tensors[b].name;
    });
    Counters c;
    for (const auto& t : tensors)
        if (contains(t.name, "attn_v.weight") || contains(t.name, "attn_qkv.weight") ||
            contains(t.name, "attn_kv_b.weight"))
            ++c.nAttentionWv;
    std::vector<QuantFormat> out(tensors.size());
    for (size_t k : order)
        out[k] = fallbackFormat(ruleFormat(preset, facts, tensors[k], c), tensors[k].cols);
    return out;
}

} // namespace ql
