#include "ui/layer_aggregation.h"

#include <algorithm>
#include <cstddef>

namespace {

std::vector<ql::TensorErrorSums> sumsOf(const std::vector<TensorError>& tensors) {
    std::vector<ql::TensorErrorSums> sums;
    sums.reserve(tensors.size());
    for (const TensorError& t : tensors)
        sums.push_back(ql::sumsFromFigures(t.tensor, t.elements, t.rmse, t.relFrobenius));
    return sums;
}

double valueOf(const ql::GroupError& g, ErrorMetric metric) {
    return metric == ErrorMetric::Rmse ? g.rmse() : g.relFrobenius();
}

} // namespace

std::vector<LayerError> aggregateByLayer(const std::vector<TensorError>& tensors,
                                         ErrorMetric metric) {
    std::vector<LayerError> out;
    for (const ql::GroupError& g : ql::groupErrors(sumsOf(tensors), ql::Grouping::Block))
        out.push_back({g.layer, valueOf(g, metric), g.tensors});
    return out;
}

double overallError(const std::vector<TensorError>& tensors, ErrorMetric metric) {
    ql::GroupError all;
    for (const ql::TensorErrorSums& s : sumsOf(tensors)) {
        all.weights += s.weights;
        all.sumSquaredError += s.sumSquaredError;
        all.sumSquaredWeight += s.sumSquaredWeight;
    }
    return valueOf(all, metric);
}

std::vector<TensorError> worstTensors(std::vector<TensorError> tensors, size_t count) {
    const auto worse = [](const TensorError& a, const TensorError& b) {
        return a.relFrobenius != b.relFrobenius ? a.relFrobenius > b.relFrobenius
                                                : a.tensor < b.tensor;
    };
    count = std::min(count, tensors.size());
    std::partial_sort(tensors.begin(), tensors.begin() + std::ptrdiff_t(count), tensors.end(),
                      worse);
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
