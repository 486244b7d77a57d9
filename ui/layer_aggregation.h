#pragma once
// The drawing math of the per-layer error chart, kept out of paint code so that it is
// tested without a GUI (Hotspot's habit): which layer a tensor belongs to, and how the
// errors of a layer's tensors combine into one figure.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

enum class LayerKind { Embedding, Block, Output, Other };

// Orders as a model runs: embeddings, blocks 0..N-1, output head, everything else.
struct LayerKey {
    LayerKind kind = LayerKind::Other;
    int block = -1; // for Block only

    std::string label() const; // "embed", "0", "12", "output", "other"
    auto operator<=>(const LayerKey&) const = default;
};

// "blk.3.attn_q.weight" -> block 3 (GGUF); "model.layers.3.mlp.up_proj.weight" -> 3
// (Hugging Face); "token_embd.weight" -> Embedding; "output.weight", "lm_head.weight"
// -> Output; anything else -> Other.
LayerKey layerOf(std::string_view tensorName);

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
};

struct LayerError {
    LayerKey layer;
    double value = 0;
    int tensors = 0;
};

// One figure per layer, as if the layer's tensors were one long vector: RMSE is
// sqrt(sum err^2 / sum n) and the relative error sqrt(sum err^2 / sum w^2), where each
// tensor's err^2 = rmse^2 n and w^2 = err^2 / rel^2. A plain mean of ratios would let
// a tiny tensor weigh as much as a large one. Sorted by layer.
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
