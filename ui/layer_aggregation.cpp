#include "ui/layer_aggregation.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>

namespace {

bool startsWithAny(std::string_view name, std::initializer_list<std::string_view> prefixes) {
    return std::any_of(prefixes.begin(), prefixes.end(),
                       [&](std::string_view p) { return name.starts_with(p); });
}

bool containsAny(std::string_view name, std::initializer_list<std::string_view> parts) {
    return std::any_of(parts.begin(), parts.end(),
                       [&](std::string_view p) { return name.find(p) != name.npos; });
}

// Squared error and squared norm of one tensor, recovered from its figures.
struct Sums {
    double err2 = 0;
    double norm2 = 0;
    double n = 0;
    int tensors = 0;
};

void accumulate(Sums& s, const TensorError& t) {
    const double n = double(std::max<int64_t>(t.elements, 0));
    const double err2 = t.rmse * t.rmse * n;
    s.err2 += err2;
    // An exact tensor (rel = 0) has no recoverable norm; it adds no error either way.
    if (t.relFrobenius > 0)
        s.norm2 += err2 / (t.relFrobenius * t.relFrobenius);
    s.n += n;
    ++s.tensors;
}

double finish(const Sums& s, ErrorMetric metric) {
    if (metric == ErrorMetric::Rmse)
        return s.n > 0 ? std::sqrt(s.err2 / s.n) : 0.0;
    return s.norm2 > 0 ? std::sqrt(s.err2 / s.norm2) : 0.0;
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
    // A block index follows one of the usual container names, anywhere in the path.
    static const std::regex block(R"((?:^|\.)(?:blk|layers|layer|h|blocks|block)\.(\d+)\.)");
    std::cmatch m;
    if (std::regex_search(name.data(), name.data() + name.size(), m, block))
        return {LayerKind::Block, std::stoi(m[1].str())};
    if (containsAny(name,
                    {"token_embd", "embed_tokens", "wte", "word_embeddings", "tok_embeddings"}))
        return {LayerKind::Embedding, -1};
    if (startsWithAny(name, {"output.", "lm_head", "output_norm"}) ||
        containsAny(name, {"model.norm", ".lm_head"}))
        return {LayerKind::Output, -1};
    return {LayerKind::Other, -1};
}

std::vector<LayerError> aggregateByLayer(const std::vector<TensorError>& tensors,
                                         ErrorMetric metric) {
    std::map<LayerKey, Sums> sums;
    for (const TensorError& t : tensors)
        accumulate(sums[layerOf(t.tensor)], t);
    std::vector<LayerError> out;
    out.reserve(sums.size());
    for (const auto& [key, s] : sums)
        out.push_back({key, finish(s, metric), s.tensors});
    return out;
}

double overallError(const std::vector<TensorError>& tensors, ErrorMetric metric) {
    Sums sums;
    for (const TensorError& t : tensors)
        accumulate(sums, t);
    return finish(sums, metric);
}

std::vector<TensorError> worstTensors(std::vector<TensorError> tensors, size_t count) {
    const auto worse = [](const TensorError& a, const TensorError& b) {
        return a.relFrobenius != b.relFrobenius ? a.relFrobenius > b.relFrobenius
                                                : a.tensor < b.tensor;
    };
    count = std::min(count, tensors.size());
    std::partial_sort(tensors.begin(), tensors.begin() + ptrdiff_t(count), tensors.end(), worse);
    tensors.resize(count);
    return tensors;
}

std::vector<LayerKey> unionOfLayers(const std::vector<std::vector<LayerError>>& perVariant) {
    std::vector<LayerKey> keys;
    for (const auto& errors : perVariant)
        for (const LayerError& e : errors)
            keys.push_back(e.layer);
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    return keys;
}

double valueAt(const std::vector<LayerError>& errors, const LayerKey& layer) {
    const auto it = std::find_if(errors.begin(), errors.end(),
                                 [&](const LayerError& e) { return e.layer == layer; });
    return it == errors.end() ? 0.0 : it->value;
}
