#pragma once
// Workspace queries for evaluation sets ("evaluation sets" migration): sets, their
// versions with examples, and the baseline distributions cached per set version.
// Importing the same content under a name again returns the version already there;
// different content (examples or settings) becomes the next version of that name.
#include "engine/eval/eval_set.h"
#include "engine/eval/example_scoring.h"
#include "engine/store/workspace.h"

#include <optional>
#include <string>
#include <vector>

namespace ql {

struct EvalSetVersion {
    int64_t id = 0;
    std::string name;
    int64_t version = 0; // 1, 2, ... per name
    std::string contentHash;
    std::string examplesHash;
    EvalSettings settings;
    std::string sourcePath;
    std::string sourceHash;
    int64_t exampleCount = 0;
    std::string createdAt;
    // "NAME@vN:<content hash>": what scorecards record as their evaluation set version.
    std::string label() const;
};

struct EvalSetImport {
    EvalSetVersion version;
    bool created = false; // false: this content was already stored under that name
};

// In one transaction. Throws ql::Error on an empty name or no examples.
EvalSetImport importEvalSet(Workspace& ws, const std::string& name,
                            const std::vector<EvalExample>& examples, const EvalSettings& settings,
                            const std::string& sourcePath, const std::string& sourceHash);
std::vector<EvalSetVersion> evalSetVersions(const Workspace& ws); // by name, then version
// "NAME" (the latest version) or "NAME@N" / "NAME@vN"; throws ql::Error naming what exists.
EvalSetVersion findEvalSetVersion(const Workspace& ws, const std::string& spec);
std::vector<EvalExample> evalSetExamples(const Workspace& ws, int64_t versionId);

// Baseline cache, keyed by set version and baseKey (the baseline's identity: model
// content hash, weights, forward-pass options, tokenizer).
std::optional<ExampleBaseline> loadEvalBaseline(const Workspace& ws, int64_t versionId,
                                                const std::string& baseKey);
void storeEvalBaseline(Workspace& ws, int64_t versionId, const std::string& baseKey,
                       const std::string& baseLabel, const ExampleBaseline& baseline);

// Output-aware error per linear layer of a variant on some calibration text.
struct LayerOutputErrorRecord {
    std::string tensor;
    int64_t rows = 0; // calibration rows (tokens) behind the figure
    double relError = 0;
    // trace(W G W^T) and trace(D G D^T) (engine/eval/activation_capture.h), so groups
    // aggregate exactly; absent for rows stored before they were kept.
    std::optional<double> signal, noise;
};
void storeLayerOutputErrors(Workspace& ws, int64_t variantId, const std::string& calibrationHash,
                            const std::vector<LayerOutputErrorRecord>& errors);
std::vector<LayerOutputErrorRecord> layerOutputErrors(const Workspace& ws, int64_t variantId,
                                                      const std::string& calibrationHash);
// Replaces every row of the variant for this calibration (text hash and settings) with
// `errors`, in one transaction; rows of other calibrations and variants stay.
void replaceLayerOutputErrors(Workspace& ws, int64_t variantId, const std::string& calibration,
                              const std::vector<LayerOutputErrorRecord>& errors);
// The variant's most recently stored calibration with its rows, in stored order; empty
// when it was never measured.
struct LayerOutputErrorSet {
    std::string calibration;
    std::string createdAt;
    std::vector<LayerOutputErrorRecord> layers;
};
std::optional<LayerOutputErrorSet> latestLayerOutputErrors(const Workspace& ws, int64_t variantId);

} // namespace ql
