// Workspace queries for variants and their per-tensor metrics.
#include "engine/store/sqlite_util.h"
#include "engine/store/tensor_analysis_store.h"
#include "engine/store/workspace.h"

#include <sqlite3.h>

namespace ql {

using sql::Statement;

namespace {

void insertMetrics(sqlite3* db, const std::filesystem::path& file, int64_t variantId,
                   const TensorMetricsRecord& t) {
    Statement st(db,
                 "INSERT INTO tensor_metrics(variant_id, tensor, rows, cols, source_dtype, "
                 "backend, rmse, rel_frobenius, snr_db, cosine, max_abs_error, bytes, "
                 "bits_per_weight, storage_format, weighted_rmse) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 file);
    const ErrorMetrics& m = t.metrics;
    st.bind(1, variantId).bind(2, t.tensor).bind(3, t.rows).bind(4, t.cols);
    st.bind(5, t.sourceDType).bind(6, t.backend).bind(7, m.rmse).bind(8, m.relFrobenius);
    st.bind(9, m.snrDb).bind(10, m.cosine).bind(11, m.maxAbsError);
    st.bind(12, int64_t(m.bytes)).bind(13, m.bitsPerWeight).bind(14, t.storageFormat);
    if (t.weightedRmse) // NULL otherwise
        st.bind(15, *t.weightedRmse);
    st.run();
}

VariantRecord readVariant(const Statement& st) {
    VariantRecord v;
    v.id = st.integer(0);
    v.modelId = st.integer(1);
    v.format = st.text(2);
    v.method = st.text(3);
    v.parameters = st.text(4);
    v.toolVersion = st.text(5);
    v.backend = st.text(6);
    v.createdAt = st.text(7);
    v.totalBytes = uint64_t(st.integer(8));
    v.totalWeights = st.integer(9);
    return v;
}

} // namespace

int64_t Workspace::addVariant(const VariantRecord& v,
                              const std::vector<TensorMetricsRecord>& metrics) {
    sql::Transaction tx(m_db, m_path);
    Statement(m_db,
              "INSERT INTO variants(model_id, format, method, parameters, tool_version, backend, "
              "created_at, total_bytes, total_weights) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
              m_path)
        .bind(1, v.modelId)
        .bind(2, v.format)
        .bind(3, v.method)
        .bind(4, v.parameters.empty() ? std::string("{}") : v.parameters)
        .bind(5, v.toolVersion)
        .bind(6, v.backend)
        .bind(7, v.createdAt.empty() ? nowIso8601() : v.createdAt)
        .bind(8, int64_t(v.totalBytes))
        .bind(9, v.totalWeights)
        .run();
    const int64_t id = sqlite3_last_insert_rowid(m_db);
    store::insertHistogramBins(m_db, m_path);
    std::vector<TensorErrorSums> sums;
    for (const auto& t : metrics) {
        insertMetrics(m_db, m_path, id, t);
        store::insertTensorAnalysis(m_db, m_path, id, t);
        sums.push_back(store::errorSums(t));
    }
    store::insertSensitivity(m_db, m_path, id, rankSensitivity(sums));
    tx.commit();
    return id;
}

std::vector<VariantRecord> Workspace::variants(std::optional<int64_t> modelId) const {
    std::string q = "SELECT id, model_id, format, method, parameters, tool_version, backend, "
                    "created_at, total_bytes, total_weights FROM variants";
    if (modelId)
        q += " WHERE model_id = ?";
    Statement st(m_db, q + " ORDER BY id", m_path);
    if (modelId)
        st.bind(1, *modelId);
    std::vector<VariantRecord> out;
    while (st.step())
        out.push_back(readVariant(st));
    return out;
}

std::vector<TensorMetricsRecord> Workspace::tensorMetrics(int64_t variantId) const {
    Statement st(m_db,
                 "SELECT tensor, rows, cols, source_dtype, backend, rmse, rel_frobenius, snr_db, "
                 "cosine, max_abs_error, bytes, bits_per_weight, storage_format, "
                 "weighted_rmse IS NOT NULL, COALESCE(weighted_rmse, 0) FROM tensor_metrics "
                 "WHERE variant_id = ? ORDER BY rowid",
                 m_path);
    st.bind(1, variantId);
    auto analyses = store::readTensorAnalyses(m_db, m_path, variantId);
    std::vector<TensorMetricsRecord> out;
    while (st.step()) {
        TensorMetricsRecord t;
        t.tensor = st.text(0);
        t.rows = st.integer(1);
        t.cols = st.integer(2);
        t.sourceDType = st.text(3);
        t.backend = st.text(4);
        ErrorMetrics& m = t.metrics;
        m.rmse = st.real(5);
        m.relFrobenius = st.real(6);
        m.snrDb = st.real(7);
        m.cosine = st.real(8);
        m.maxAbsError = st.real(9);
        m.bytes = uint64_t(st.integer(10));
        m.bitsPerWeight = st.real(11);
        t.storageFormat = st.text(12);
        if (st.integer(13) != 0)
            t.weightedRmse = st.real(14);
        store::attachAnalysis(t, analyses);
        out.push_back(std::move(t));
    }
    return out;
}

SensitivityRanking Workspace::sensitivity(int64_t variantId) const {
    SensitivityRanking stored;
    if (store::readSensitivity(m_db, m_path, variantId, stored))
        return stored;
    std::vector<TensorErrorSums> sums;
    for (const TensorMetricsRecord& t : tensorMetrics(variantId))
        sums.push_back(store::errorSums(t));
    return rankSensitivity(sums);
}

std::vector<double> Workspace::histogramEdges(const std::string& scheme) const {
    Statement st(m_db, "SELECT lower, upper FROM histogram_bins WHERE scheme = ? ORDER BY bin",
                 m_path);
    st.bind(1, scheme);
    std::vector<double> edges;
    while (st.step()) {
        if (edges.empty())
            edges.push_back(st.real(0));
        edges.push_back(st.real(1));
    }
    return edges;
}

void Workspace::removeVariant(int64_t variantId) {
    Statement(m_db, "DELETE FROM variants WHERE id = ?", m_path).bind(1, variantId).run();
}

} // namespace ql
