#pragma once
// Does a model fit a GPU? Weights (with quantization metadata) + KV cache + compute
// buffer + runtime overhead, per GPU, against the card's memory; the largest context and
// batch that fit. All sizes in bytes. docs/fit-model.md explains the model and marks
// what is an estimate.
#include "engine/fit/kv_cache.h"
#include "engine/fit/runtime_profile.h"
#include "engine/fit/weight_bytes.h"

#include <string>
#include <vector>

namespace ql::fit {

struct FitRequest {
    WeightPolicy weights;
    WeightFormat kvTypeK = WeightFormat::F16;
    WeightFormat kvTypeV = WeightFormat::F16;
    int64_t context = 4096; // tokens per sequence
    int64_t batch = 1;      // concurrent sequences
    int tensorParallel = 1; // weights and KV heads split over this many GPUs
    RuntimeProfile runtime = defaultProfile(Runtime::LlamaCpp);
    std::string gpuName;
    uint64_t gpuBytes = 0; // one GPU's memory
};

struct FitReport {
    std::string gpuName;
    uint64_t gpuBytes = 0;
    int tensorParallel = 1;
    std::string runtime;
    int64_t context = 0, batch = 0;
    int64_t kvCells = 0;
    int64_t parameters = 0;
    WeightBreakdown weights; // the whole model, all GPUs together
    // Per GPU from here on.
    uint64_t weightBytes = 0; // weights.total() / tensorParallel, rounded up
    uint64_t kvKBytes = 0, kvVBytes = 0;
    uint64_t computeBytes = 0;  // estimate
    uint64_t outputBytes = 0;   // llama.cpp logits buffer
    uint64_t fixedBytes = 0;    // estimate
    uint64_t reservedBytes = 0; // never used by the runtime (vLLM utilization < 1)
    int64_t headroomBytes = 0;  // gpuBytes - reserved - needed; negative: does not fit
    bool fits = false;
    int64_t maxContext = 0;         // at `batch`, at most the model's positions; 0: none fits
    int64_t maxContextByMemory = 0; // the same without the model's limit
    int64_t maxBatch = 0;           // at `context`
    std::vector<std::string> notes;

    uint64_t kvBytes() const { return kvKBytes + kvVBytes; }
    uint64_t neededBytes() const {
        return weightBytes + kvBytes() + computeBytes + outputBytes + fixedBytes;
    }
};

// Throws ql::Error for impossible requests: tp < 1, a KV type the head does not fit or
// the runtime does not offer, heads that the runtime cannot split over tp GPUs.
FitReport fitModel(const ModelShape& shape, const FitRequest& request);
// Largest context (tokens per sequence, up to `limit`) and batch that fit; 0 if none.
int64_t maxContext(const ModelShape& shape, const FitRequest& request, int64_t limit = 1 << 24);
int64_t maxBatch(const ModelShape& shape, const FitRequest& request, int64_t limit = 1 << 16);
// llama.cpp's flash attention changes both the compute graph and the KV padding (256).
void setFlashAttention(RuntimeProfile& profile, bool on);

} // namespace ql::fit
