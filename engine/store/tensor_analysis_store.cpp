// Workspace queries for the error analysis: histograms, outliers, sensitivity.
#include "engine/store/tensor_analysis_store.h"

#include "engine/quant/error_histogram.h"
#include "engine/store/sqlite_util.h"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

namespace ql::store {

using nlohmann::json;
using sql::Statement;

namespace {

json locationsJson(const std::vector<OutlierLocation>& locations) {
    json out = json::array();
    for (const OutlierLocation& l : locations)
        out.push_back({l.index, l.beyondK3, l.beyondK6});
    return out;
}

std::vector<OutlierLocation> locationsFrom(const std::string& text) {
    std::vector<OutlierLocation> out;
    for (const json& l : json::parse(text))
        out.push_back({l.at(0).get<int64_t>(), l.at(1).get<int64_t>(), l.at(2).get<int64_t>()});
    return out;
}

std::vector<int64_t> countsFrom(const std::string& text) {
    return json::parse(text).get<std::vector<int64_t>>();
}

LayerKey layerFromLabel(const std::string& label) {
    if (label == "embed")
        return {LayerKind::Embedding, -1};
    if (label == "output")
        return {LayerKind::Output, -1};
    if (!label.empty() && label.find_first_not_of("0123456789") == std::string::npos)
        return {LayerKind::Block, std::stoi(label)};
    return {LayerKind::Other, -1};
}

void insertGroups(sqlite3* db, const std::filesystem::path& file, int64_t variantId,
                  Grouping grouping, const std::vector<GroupError>& groups) {
    for (size_t rank = 0; rank < groups.size(); ++rank) {
        const GroupError& g = groups[rank];
        Statement(db,
                  "INSERT INTO variant_sensitivity(variant_id, grouping, grp, rank, tensors, "
                  "weights, sum_sq_error, sum_sq_weight, share, weight_share) VALUES "
                  "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  file)
            .bind(1, variantId)
            .bind(2, std::string(groupingName(grouping)))
            .bind(3, g.group)
            .bind(4, int64_t(rank))
            .bind(5, int64_t(g.tensors))
            .bind(6, g.weights)
            .bind(7, g.sumSquaredError)
            .bind(8, g.sumSquaredWeight)
            .bind(9, g.share)
            .bind(10, g.weightShare)
            .run();
    }
}

std::vector<GroupError>* groupsFor(SensitivityRanking& r, const std::string& grouping) {
    if (grouping == "block")
        return &r.byBlock;
    if (grouping == "kind")
        return &r.byKind;
    return &r.byTensor;
}

} // namespace

void insertHistogramBins(sqlite3* db, const std::filesystem::path& file) {
    for (const HistogramScheme* s : histogramSchemes())
        for (int bin = 0; bin < s->bins(); ++bin)
            Statement(db,
                      "INSERT OR IGNORE INTO histogram_bins(scheme, bin, lower, upper) "
                      "VALUES (?, ?, ?, ?)",
                      file)
                .bind(1, std::string(s->name))
                .bind(2, int64_t(bin))
                .bind(3, s->edges[size_t(bin)])
                .bind(4, s->edges[size_t(bin) + 1])
                .run();
}

void insertTensorAnalysis(sqlite3* db, const std::filesystem::path& file, int64_t variantId,
                          const TensorMetricsRecord& t) {
    if (!t.analysis)
        return;
    const TensorAnalysis& a = *t.analysis;
    const OutlierSummary& o = a.outliers;
    Statement st(db,
                 "INSERT INTO tensor_analysis(variant_id, tensor, weight_mean, weight_sigma, "
                 "error_scale, sum_sq_error, sum_sq_weight, code_bits, metadata_bits_per_weight, "
                 "outliers_k3, outliers_k6, rows_with_k6, cols_with_k6, outlier_rows, "
                 "outlier_cols, error_scheme, error_histogram, weight_scheme, weight_histogram) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 file);
    st.bind(1, variantId).bind(2, t.tensor).bind(3, a.weightMean).bind(4, a.weightSigma);
    st.bind(5, a.errorScale).bind(6, t.metrics.sumSquaredError);
    st.bind(7, t.metrics.sumSquaredWeight).bind(8, int64_t(a.codeBits));
    st.bind(9, a.metadataBitsPerWeight).bind(10, o.beyondK3).bind(11, o.beyondK6);
    st.bind(12, o.rowsWithK6).bind(13, o.colsWithK6);
    st.bind(14, locationsJson(o.topRows).dump()).bind(15, locationsJson(o.topCols).dump());
    st.bind(16, std::string(errorHistogramScheme().name));
    st.bind(17, json(a.errorHistogram).dump());
    st.bind(18, std::string(weightHistogramScheme().name));
    st.bind(19, json(a.weightHistogram).dump());
    st.run();
}

void insertSensitivity(sqlite3* db, const std::filesystem::path& file, int64_t variantId,
                       const SensitivityRanking& r) {
    insertGroups(db, file, variantId, Grouping::Tensor, r.byTensor);
    insertGroups(db, file, variantId, Grouping::Block, r.byBlock);
    insertGroups(db, file, variantId, Grouping::Kind, r.byKind);
}

std::map<std::string, StoredAnalysis>
readTensorAnalyses(sqlite3* db, const std::filesystem::path& file, int64_t variantId) {
    Statement st(db,
                 "SELECT tensor, weight_mean, weight_sigma, error_scale, code_bits, "
                 "metadata_bits_per_weight, outliers_k3, outliers_k6, rows_with_k6, "
                 "cols_with_k6, outlier_rows, outlier_cols, error_histogram, weight_histogram, "
                 "sum_sq_error, sum_sq_weight FROM tensor_analysis WHERE variant_id = ?",
                 file);
    st.bind(1, variantId);
    std::map<std::string, StoredAnalysis> out;
    while (st.step()) {
        StoredAnalysis& stored = out[st.text(0)];
        stored.sumSquaredError = st.real(14);
        stored.sumSquaredWeight = st.real(15);
        TensorAnalysis& a = stored.analysis;
        a.weightMean = st.real(1);
        a.weightSigma = st.real(2);
        a.errorScale = st.real(3);
        a.codeBits = int(st.integer(4));
        a.metadataBitsPerWeight = st.real(5);
        a.outliers.beyondK3 = st.integer(6);
        a.outliers.beyondK6 = st.integer(7);
        a.outliers.rowsWithK6 = st.integer(8);
        a.outliers.colsWithK6 = st.integer(9);
        a.outliers.topRows = locationsFrom(st.text(10));
        a.outliers.topCols = locationsFrom(st.text(11));
        a.errorHistogram = countsFrom(st.text(12));
        a.weightHistogram = countsFrom(st.text(13));
    }
    return out;
}

bool readSensitivity(sqlite3* db, const std::filesystem::path& file, int64_t variantId,
                     SensitivityRanking& out) {
    Statement st(db,
                 "SELECT grouping, grp, tensors, weights, sum_sq_error, sum_sq_weight, share, "
                 "weight_share FROM variant_sensitivity WHERE variant_id = ? "
                 "ORDER BY grouping, rank",
                 file);
    st.bind(1, variantId);
    bool any = false;
    while (st.step()) {
        any = true;
        const std::string grouping = st.text(0), group = st.text(1);
        GroupError g{group,
                     grouping == "block" ? layerFromLabel(group) : layerOf(group),
                     int(st.integer(2)),
                     st.integer(3),
                     st.real(4),
                     st.real(5),
                     st.real(6),
                     st.real(7)};
        if (grouping == "tensor")
            out.totalSquaredError += g.sumSquaredError;
        groupsFor(out, grouping)->push_back(std::move(g));
    }
    return any;
}

void attachAnalysis(TensorMetricsRecord& t, std::map<std::string, StoredAnalysis>& analyses) {
    const auto it = analyses.find(t.tensor);
    if (it == analyses.end()) {
        const TensorErrorSums s =
            sumsFromFigures(t.tensor, t.rows * t.cols, t.metrics.rmse, t.metrics.relFrobenius);
        t.metrics.sumSquaredError = s.sumSquaredError;
        t.metrics.sumSquaredWeight = s.sumSquaredWeight;
        return;
    }
    t.metrics.sumSquaredError = it->second.sumSquaredError;
    t.metrics.sumSquaredWeight = it->second.sumSquaredWeight;
    t.analysis = std::move(it->second.analysis);
    t.analysis->outliers.weights = t.rows * t.cols;
}

TensorErrorSums errorSums(const TensorMetricsRecord& t) {
    if (!t.analysis)
        return sumsFromFigures(t.tensor, t.rows * t.cols, t.metrics.rmse, t.metrics.relFrobenius);
    return {t.tensor, t.rows * t.cols, t.metrics.sumSquaredError, t.metrics.sumSquaredWeight};
}

} // namespace ql::store
