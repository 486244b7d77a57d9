#pragma once
// Quantizing a model into a variant: streams the model tensor by tensor in row chunks
// (memory is bounded by a chunk plus per-row and per-column outlier counts), runs each
// on the backend set's choice, measures the error and analyses it (histograms, outliers:
// a first pass over a tensor's weights gives the sigma they are measured in), and stores
// the variant with its metrics, analysis and sensitivity ranking in one transaction.
#include "engine/compute/backend.h"
#include "engine/jobs/engine_thread.h"
#include "engine/quant/llama_presets.h"
#include "engine/store/workspace.h"

#include <filesystem>
#include <functional>
#include <optional>

namespace ql {

class Model;

struct TensorMetricsRecord;

struct QuantizeRequest {
    std::filesystem::path modelPath;
    QuantFormat format = QuantFormat::Int8PerChannel;
    // Called on the engine thread after each tensor, so results can stream to a view.
    std::function<void(const TensorMetricsRecord&)> onTensor;
    // Weights per row chunk (at least one row per chunk). Results do not depend on it;
    // tests vary it to prove that.
    int64_t chunkWeights = int64_t(1) << 22;
    // An importance matrix (llama-imatrix's .dat or .gguf, engine/quant/imatrix_file.h) for
    // the formats whose encoder takes one (K-quants, IQ4_NL); empty: none. Each tensor
    // encoded with it also gets its importance-weighted RMSE.
    std::filesystem::path imatrixPath{};
    // An importance matrix that only weighs the error (quantize --weigh-with): the encoders
    // never see it, whatever the format, and each tensor it has an entry for gets its
    // importance-weighted RMSE, so that a variant made without an imatrix (or in a format
    // that takes none) can be compared with one made with it, under the same weights.
    // Empty: none. Not together with imatrixPath, which weighs by itself.
    std::filesystem::path weighingImatrixPath{};
    // Threads of the job's own CPU work: the analysis pass and importance-weighted encoding
    // (0: all cores). Results do not depend on it.
    int threads = 0;
    // Called on the engine thread with each quantized chunk (rows from rowBegin), for
    // writers and tests that need the bytes themselves.
    std::function<void(const std::string& tensor, int64_t rowBegin, const QuantizedTensor&)>
        onChunk{};
    // A llama-quantize file type instead of one format for every tensor: each tensor in the
    // type llama-quantize would give it (engine/quant/llama_presets.h); `format` is then
    // ignored, and the variant is named after the preset ("Q4_K_M").
    std::optional<LlamaPreset> preset{};
};

struct QuantizeOutcome {
    int64_t modelId = 0;
    int64_t variantId = 0;
    VariantRecord variant;
    std::vector<TensorMetricsRecord> metrics;
    SensitivityRanking sensitivity; // as stored with the variant
    // Tensors of two or more dimensions kept as stored, with why, in file order: float ones
    // llama-quantize keeps by name (MoE routers, ...) and ones the file already holds in a
    // quantized type (keptAsStoredReason).
    std::vector<std::pair<std::string, std::string>> keptAsStored;
};

// Which tensors a variant quantizes (engine/jobs/quantizable_weight.cpp): every tensor of
// two or more dimensions stored as a float type (F32, F16, BF16), embeddings, output and
// MoE expert stacks ({n_expert, rows, cols}, quantized as their rows) included, as
// llama-quantize does; 1-D norms stay as they are, and so do the tensors llama-quantize
// keeps by name (MoE routers `ffn_gate_inp.weight`, position embeddings, SSM convolutions,
// RWKV's small mixing matrices, ...).
bool isQuantizableWeight(const struct TensorInfo& t);

// Why llama-quantize keeps a tensor of this name as stored (empty: it does not).
std::string keptAsStoredByName(const std::string& name);

// Why a variant in `target` keeps this tensor as stored; empty for the tensors it quantizes
// and for 1-D ones (norms, biases), which no tool quantizes. A matrix the file already holds
// in a quantized type is kept: llama-quantize copies it when it is the target type and
// otherwise refuses ("requantizing from type ... is disabled") unless --allow-requantize,
// whose dequantize-and-requantize compounds two roundings.
std::string keptAsStoredReason(const struct TensorInfo& t, QuantFormat target);

// Runs inside a job; throws ql::Cancelled or ql::Error. The workspace is written only
// when every tensor succeeded.
QuantizeOutcome quantizeModel(const QuantizeRequest& request, Workspace& workspace,
                              BackendSet& backends, JobContext& ctx);

// The model's row in the workspace (adding it, with its content hash, if new).
int64_t registerModel(const Model& model, Workspace& workspace);

} // namespace ql
