#pragma once
// Which layers carry a variant's error: per-tensor error sums grouped by block (blk.N)
// and by tensor kind (attn_q, ffn_down, ...), ranked by their share of the error.
//
// The measure. A tensor's squared weight error SSE_t = sum (q - w)^2 adds across
// tensors, so the share of group G is  share(G) = sum_{t in G} SSE_t / sum_t SSE_t :
// shares of any partition sum to 1, and block shares are the sums of their tensors'
// shares. Beside it, for context:
//   weightShare(G)   = weights in G / all weights,
//   concentration(G) = share / weightShare: > 1 means G carries more than its size's
//                      worth of error (error per weight above the variant's average),
//   relFrobenius(G)  = sqrt(sum SSE / sum ||w||^2): G's tensors as one long vector,
//                      scale-free, so layers of different magnitude compare.
// Weight-space error is a proxy: it says where the quantizer loses information, not how
// much each loss moves the model's output (that is what the evaluators measure).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ql {

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

// The tensor's role, in GGUF's names: "attn_q", "attn_k", "attn_v", "attn_output",
// "ffn_gate", "ffn_up", "ffn_down", "token_embd", "output"; Hugging Face names map onto
// them (q_proj -> attn_q, down_proj -> ffn_down, lm_head -> output, ...). Anything else
// is its name without block prefix and ".weight": "transformer.h.2.attn.c_attn.weight"
// -> "attn.c_attn".
std::string tensorKind(std::string_view tensorName);

struct TensorErrorSums {
    std::string tensor;
    int64_t weights = 0;
    double sumSquaredError = 0;
    double sumSquaredWeight = 0;
};

// Sums recovered from RMSE and relative error, for variants stored before the sums
// were: SSE = rmse^2 n, ||w||^2 = SSE / rel^2 (0 where rel is 0: an exact tensor).
TensorErrorSums sumsFromFigures(std::string tensor, int64_t weights, double rmse,
                                double relFrobenius);

enum class Grouping { Tensor, Block, Kind };
std::string_view groupingName(Grouping g); // "tensor", "block", "kind"

struct GroupError {
    std::string group; // tensor name, block label ("embed", "3", "output") or kind
    LayerKey layer;    // Block grouping: the layer; otherwise the first tensor's layer
    int tensors = 0;
    int64_t weights = 0;
    double sumSquaredError = 0;
    double sumSquaredWeight = 0;
    double share = 0;       // of the variant's squared error; 0 for all when it has none
    double weightShare = 0; // of the variant's quantized weights

    double rmse() const;
    double relFrobenius() const;
    double concentration() const; // share / weightShare
    bool operator==(const GroupError&) const = default;
};

// Groups in model order: by layer for blocks, in the canonical kind order (token_embd,
// attn_q, attn_k, attn_v, attn_output, ffn_gate, ffn_up, ffn_down, output, then the
// rest by name) for kinds, as given for tensors.
std::vector<GroupError> groupErrors(const std::vector<TensorErrorSums>& tensors, Grouping g);
// Largest share first; ties by model order.
std::vector<GroupError> rankedByShare(std::vector<GroupError> groups);
// Back from a ranking to model order (as groupErrors gives it), for charts.
std::vector<GroupError> inModelOrder(std::vector<GroupError> groups, Grouping g);

struct SensitivityRanking {
    double totalSquaredError = 0;
    std::vector<GroupError> byTensor, byBlock, byKind; // each ranked by share
};
SensitivityRanking rankSensitivity(const std::vector<TensorErrorSums>& tensors);

} // namespace ql
