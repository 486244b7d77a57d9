#pragma once
// Quantizing a model into a variant: streams the model tensor by tensor (memory is
// bounded by the largest tensor), runs each on the backend set's choice, measures the
// error, and stores the variant with its metrics in one transaction at the end.
#include "engine/compute/backend.h"
#include "engine/jobs/engine_thread.h"
#include "engine/store/workspace.h"

#include <filesystem>
#include <functional>

namespace ql {

class Model;

struct TensorMetricsRecord;

struct QuantizeRequest {
    std::filesystem::path modelPath;
    QuantFormat format = QuantFormat::Int8PerChannel;
    // Called on the engine thread after each tensor, so results can stream to a view.
    std::function<void(const TensorMetricsRecord&)> onTensor;
};

struct QuantizeOutcome {
    int64_t modelId = 0;
    int64_t variantId = 0;
    VariantRecord variant;
    std::vector<TensorMetricsRecord> metrics;
};

// Which tensors a variant quantizes: every 2-D tensor stored as a float type (F32, F16,
// BF16), embeddings and output included, as llama-quantize does; 1-D norms stay as they are.
bool isQuantizableWeight(const struct TensorInfo& t);

// Runs inside a job; throws ql::Cancelled or ql::Error. The workspace is written only
// when every tensor succeeded.
QuantizeOutcome quantizeModel(const QuantizeRequest& request, Workspace& workspace,
                              BackendSet& backends, JobContext& ctx);

// The model's row in the workspace (adding it, with its content hash, if new).
int64_t registerModel(const Model& model, Workspace& workspace);

} // namespace ql
