#include "engine/quant/sensitivity.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <regex>

namespace ql {
namespace {

// A block index follows one of the usual container names, anywhere in the path.
const std::regex& blockPattern() {
    static const std::regex block(R"((?:^|\.)(?:blk|layers|layer|h|blocks|block)\.(\d+)\.)");
    return block;
}

bool startsWithAny(std::string_view name, std::initializer_list<std::string_view> prefixes) {
    return std::any_of(prefixes.begin(), prefixes.end(),
                       [&](std::string_view p) { return name.starts_with(p); });
}

bool containsAny(std::string_view name, std::initializer_list<std::string_view> parts) {
    return std::any_of(parts.begin(), parts.end(),
                       [&](std::string_view p) { return name.find(p) != name.npos; });
}

std::string_view withoutSuffix(std::string_view name) {
    for (std::string_view s : {".weight", ".bias"})
        if (name.ends_with(s))
            return name.substr(0, name.size() - s.size());
    return name;
}

// Hugging Face (and Meta) leaf names -> GGUF kinds.
const std::map<std::string_view, std::string_view>& leafKinds() {
    static const std::map<std::string_view, std::string_view> kinds{
        {"q_proj", "attn_q"},      {"k_proj", "attn_k"},
        {"v_proj", "attn_v"},      {"o_proj", "attn_output"},
        {"gate_proj", "ffn_gate"}, {"up_proj", "ffn_up"},
        {"down_proj", "ffn_down"}, {"embed_tokens", "token_embd"},
        {"lm_head", "output"},     {"wq", "attn_q"},
        {"wk", "attn_k"},          {"wv", "attn_v"},
        {"wo", "attn_output"},     {"tok_embeddings", "token_embd"}};
    return kinds;
}

constexpr std::array<std::string_view, 9> kKindOrder{"token_embd", "attn_q",      "attn_k",
                                                     "attn_v",     "attn_output", "ffn_gate",
                                                     "ffn_up",     "ffn_down",    "output"};

size_t kindRank(std::string_view kind) {
    const auto it = std::find(kKindOrder.begin(), kKindOrder.end(), kind);
    return size_t(it - kKindOrder.begin());
}

std::string groupOf(const TensorErrorSums& t, Grouping g) {
    switch (g) {
    case Grouping::Block:
        return layerOf(t.tensor).label();
    case Grouping::Kind:
        return tensorKind(t.tensor);
    case Grouping::Tensor:
        break;
    }
    return t.tensor;
}

void addTo(GroupError& g, const TensorErrorSums& t) {
    ++g.tensors;
    g.weights += t.weights;
    g.sumSquaredError += t.sumSquaredError;
    g.sumSquaredWeight += t.sumSquaredWeight;
}

void setShares(std::vector<GroupError>& groups) {
    double error = 0;
    int64_t weights = 0;
    for (const GroupError& g : groups) {
        error += g.sumSquaredError;
        weights += g.weights;
    }
    for (GroupError& g : groups) {
        g.share = error > 0 ? g.sumSquaredError / error : 0.0;
        g.weightShare = weights > 0 ? double(g.weights) / double(weights) : 0.0;
    }
}

void sortInModelOrder(std::vector<GroupError>& groups, Grouping g) {
    if (g == Grouping::Block)
        std::stable_sort(
            groups.begin(), groups.end(),
            [](const GroupError& a, const GroupError& b) { return a.layer < b.layer; });
    if (g == Grouping::Kind)
        std::stable_sort(groups.begin(), groups.end(),
                         [](const GroupError& a, const GroupError& b) {
                             const size_t ra = kindRank(a.group), rb = kindRank(b.group);
                             return ra != rb ? ra < rb : a.group < b.group;
                         });
}

} // namespace

std::string LayerKey::label() const {
    switch (kind) {
    case LayerKind::Embedding:
        return "embed";
    case LayerKind::Block:
        return std::to_string(block);
    case LayerKind::Output:
        return "output";
    case LayerKind::Other:
        break;
    }
    return "other";
}

LayerKey layerOf(std::string_view name) {
    std::cmatch m;
    if (std::regex_search(name.data(), name.data() + name.size(), m, blockPattern()))
        return {LayerKind::Block, std::stoi(m[1].str())};
    if (containsAny(name,
                    {"token_embd", "embed_tokens", "wte", "word_embeddings", "tok_embeddings"}))
        return {LayerKind::Embedding, -1};
    if (startsWithAny(name, {"output.", "lm_head", "output_norm"}) ||
        containsAny(name, {"model.norm", ".lm_head"}))
        return {LayerKind::Output, -1};
    return {LayerKind::Other, -1};
}

std::string tensorKind(std::string_view name) {
    std::string_view stem = withoutSuffix(name);
    const size_t dot = stem.rfind('.');
    const std::string_view leaf = dot == stem.npos ? stem : stem.substr(dot + 1);
    if (const auto it = leafKinds().find(leaf); it != leafKinds().end())
        return std::string(it->second);
    std::cmatch m;
    if (std::regex_search(stem.data(), stem.data() + stem.size(), m, blockPattern()))
        return std::string(stem.substr(size_t(m.position(0) + m.length(0))));
    if (stem.starts_with("model."))
        stem.remove_prefix(6);
    return std::string(stem);
}

TensorErrorSums sumsFromFigures(std::string tensor, int64_t weights, double rmse,
                                double relFrobenius) {
    const double sse = rmse * rmse * double(std::max<int64_t>(weights, 0));
    const double norm2 = relFrobenius > 0 ? sse / (relFrobenius * relFrobenius) : 0.0;
    return {std::move(tensor), weights, sse, norm2};
}

std::string_view groupingName(Grouping g) {
    switch (g) {
    case Grouping::Block:
        return "block";
    case Grouping::Kind:
        return "kind";
    case Grouping::Tensor:
        break;
    }
    return "tensor";
}

double GroupError::rmse() const {
    return weights > 0 ? std::sqrt(sumSquaredError / double(weights)) : 0.0;
}

double GroupError::relFrobenius() const {
    return sumSquaredWeight > 0 ? std::sqrt(sumSquaredError / sumSquaredWeight) : 0.0;
}

double GroupError::concentration() const {
    return weightShare > 0 ? share / weightShare : 0.0;
}

std::vector<GroupError> groupErrors(const std::vector<TensorErrorSums>& tensors, Grouping g) {
    std::vector<GroupError> groups;
    std::map<std::string, size_t> index;
    for (const TensorErrorSums& t : tensors) {
        const std::string name = groupOf(t, g);
        auto [it, added] = index.try_emplace(name, groups.size());
        if (added)
            groups.push_back({name, layerOf(t.tensor), 0, 0, 0, 0, 0, 0});
        addTo(groups[it->second], t);
    }
    setShares(groups);
    sortInModelOrder(groups, g);
    return groups;
}

std::vector<GroupError> rankedByShare(std::vector<GroupError> groups) {
    std::stable_sort(groups.begin(), groups.end(),
                     [](const GroupError& a, const GroupError& b) { return a.share > b.share; });
    return groups;
}

std::vector<GroupError> inModelOrder(std::vector<GroupError> groups, Grouping g) {
    sortInModelOrder(groups, g);
    return groups;
}

SensitivityRanking rankSensitivity(const std::vector<TensorErrorSums>& tensors) {
    SensitivityRanking r;
    for (const TensorErrorSums& t : tensors)
        r.totalSquaredError += t.sumSquaredError;
    r.byTensor = rankedByShare(groupErrors(tensors, Grouping::Tensor));
    r.byBlock = rankedByShare(groupErrors(tensors, Grouping::Block));
    r.byKind = rankedByShare(groupErrors(tensors, Grouping::Kind));
    return r;
}

} // namespace ql
