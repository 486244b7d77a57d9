#pragma once
// The per-layer error chart's figures. The math lives in the engine
// (engine/quant/sensitivity.h: tensor name -> layer, sums of squared error per group);
// this adapts it to the figures the main window's chart keeps per tensor.
#include "engine/quant/sensitivity.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

using ql::LayerKey;
using ql::LayerKind;
using ql::layerOf;

enum class ErrorMetric { RelFrobenius, Rmse };

// The figures of one quantized tensor that the chart needs.
struct TensorError {
    std::string tensor;
    int64_t elements = 0;
    double rmse = 0;
    double relFrobenius = 0;
    double snrDb = 0;
    double cosine = 0;
    uint64_t bytes = 0;
    // With an imatrix: sqrt(sum w e^2 / sum w) (engine/quant/weighted_error.h).
    std::optional<double> weightedRmse;
};

struct LayerError {
    LayerKey layer;
    double value = 0;
    int tensors = 0;
};

// One figure per layer, as if the layer's tensors were one long vector: RMSE is
// sqrt(sum err^2 / sum n) and the relative error sqrt(sum err^2 / sum w^2), where each
// tensor's err^2 = rmse^2 n and w^2 = err^2 / rel^2 (ql::sumsFromFigures). A plain mean
// of ratios would let a tiny tensor weigh as much as a large one. Sorted by layer.
std::vector<LayerError> aggregateByLayer(const std::vector<TensorError>& tensors,
                                         ErrorMetric metric);

// The whole variant as one figure, by the same rule as a layer.
double overallError(const std::vector<TensorError>& tensors, ErrorMetric metric);

// The `count` tensors with the largest relative error, largest first (ties by name).
std::vector<TensorError> worstTensors(std::vector<TensorError> tensors, size_t count);

// Every layer that appears in any of the lists, sorted: the chart's shared categories.
std::vector<LayerKey> unionOfLayers(const std::vector<std::vector<LayerError>>& perVariant);

// The value of `layer` in `errors`, or 0 where the variant has no such layer.
double valueAt(const std::vector<LayerError>& errors, const LayerKey& layer);
