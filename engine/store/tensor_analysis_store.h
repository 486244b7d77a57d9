#pragma once
// Part of the store layer (engine/store only): the error-analysis tables of a variant.
#include "engine/store/workspace.h"

#include <filesystem>
#include <map>

namespace ql::store {

// Inside addVariant's transaction.
void insertHistogramBins(sqlite3* db, const std::filesystem::path& file);
void insertTensorAnalysis(sqlite3* db, const std::filesystem::path& file, int64_t variantId,
                          const TensorMetricsRecord& t);
void insertSensitivity(sqlite3* db, const std::filesystem::path& file, int64_t variantId,
                       const SensitivityRanking& ranking);

struct StoredAnalysis {
    TensorAnalysis analysis;
    double sumSquaredError = 0;
    double sumSquaredWeight = 0;
};
// Tensor name -> analysis, for one variant.
std::map<std::string, StoredAnalysis>
readTensorAnalyses(sqlite3* db, const std::filesystem::path& file, int64_t variantId);
// Moves the tensor's stored analysis and sums into it; a tensor stored before the
// error analysis gets sums derived from its RMSE and relative error (sumsFromFigures).
void attachAnalysis(TensorMetricsRecord& t, std::map<std::string, StoredAnalysis>& analyses);
// False when the variant has no stored ranking (stored before the error analysis).
bool readSensitivity(sqlite3* db, const std::filesystem::path& file, int64_t variantId,
                     SensitivityRanking& out);

// The sums a tensor's share of error is computed from: measured ones where the tensor
// has its analysis, else derived from its RMSE and relative error.
TensorErrorSums errorSums(const TensorMetricsRecord& t);

} // namespace ql::store
