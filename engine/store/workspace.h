#pragma once
// The workspace: one SQLite file (WAL, foreign keys, schema_version + forward
// migrations). The engine owns every write. A variant and its per-tensor metrics are
// written in one transaction, so a cancelled or failed job leaves nothing behind.
#include "engine/quant/metrics.h"
#include "engine/quant/sensitivity.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace ql {

struct ModelRecord {
    int64_t id = 0;
    std::string path;
    uint64_t fileBytes = 0;
    std::string contentHash; // xxh64 of every byte of every file, hex
    std::string format;      // "gguf", "safetensors"
    std::string architecture;
    int64_t parameterCount = 0;
    std::string addedAt; // ISO 8601 UTC
};

struct VariantRecord {
    int64_t id = 0;
    int64_t modelId = 0;
    std::string format;     // "int8", "int4-g128"
    std::string method;     // "rtn"
    std::string parameters; // JSON object
    std::string toolVersion;
    std::string backend; // backends that computed it, e.g. "vulkan (llvmpipe ...)"
    std::string createdAt;
    uint64_t totalBytes = 0;
    int64_t totalWeights = 0;
};

struct TensorMetricsRecord {
    std::string tensor;
    int64_t rows = 0;
    int64_t cols = 0;
    std::string sourceDType;
    std::string storageFormat; // the format it was stored in: the variant's, or a fallback
    std::string backend;
    ErrorMetrics metrics;
    // Quantized with an importance vector w (an imatrix): sqrt(sum w_j (q - x)^2 / sum w_j)
    // over every row, each row with its matrix's vector (weighted_error.h): the error the
    // importance-weighted encoders minimise (their plain rmse may rise).
    std::optional<double> weightedRmse;
    // Histograms, outliers and the bits split; absent for variants stored before the
    // error analysis existed (their metrics still read, their error sums are derived).
    std::optional<TensorAnalysis> analysis;
};

class Workspace {
public:
    // The version a workspace has after migration: the number of migrations in schema.cpp.
    static int latestSchemaVersion();
    // Creates the file if absent and migrates it forward. Throws ql::Error.
    explicit Workspace(const std::filesystem::path& file);
    ~Workspace();
    Workspace(const Workspace&) = delete;
    Workspace& operator=(const Workspace&) = delete;

    const std::filesystem::path& path() const { return m_path; }
    int schemaVersion() const;
    // For the store layer's other query files (engine/store/*.cpp), which share this
    // connection and the helpers in sqlite_util.h. Not for use outside engine/store.
    sqlite3* handle() const { return m_db; }

    // Same path and content hash -> the existing id.
    int64_t addModel(const ModelRecord& model);
    std::vector<ModelRecord> models() const;
    std::optional<ModelRecord> model(int64_t id) const;

    int64_t addVariant(const VariantRecord& variant,
                       const std::vector<TensorMetricsRecord>& metrics);
    std::vector<VariantRecord> variants(std::optional<int64_t> modelId = std::nullopt) const;
    std::vector<TensorMetricsRecord> tensorMetrics(int64_t variantId) const;
    void removeVariant(int64_t variantId);
    // The variant's sensitivity ranking as stored with it; for a variant stored before
    // the error analysis, computed from its metrics (sumsFromFigures).
    SensitivityRanking sensitivity(int64_t variantId) const;
    // Histogram edges as stored in the workspace, by scheme name (empty if unknown).
    std::vector<double> histogramEdges(const std::string& scheme) const;

private:
    void migrate();
    std::filesystem::path m_path;
    sqlite3* m_db = nullptr;
};

// xxh64 over every file of a model, as hex; used as the model's identity in workspaces.
std::string hashFiles(const std::vector<std::filesystem::path>& files);
std::string nowIso8601();

} // namespace ql
