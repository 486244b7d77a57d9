// EngineBridge for the Layers view: per-tensor metrics, the stored sensitivity ranking
// and one tensor's error analysis, read from the workspace on the engine thread and
// handed to the GUI as value types (ui/layers_types.h).
#include "ui/engine_bridge.h"

#include "engine/eval/output_error_groups.h"
#include "engine/jobs/engine_thread.h"
#include "engine/quant/error_histogram.h"
#include "engine/store/evalset_store.h"
#include "engine/store/workspace.h"
#include "ui/engine_bridge_state.h"
#include "ui/engine_values.h"

#include <map>

namespace {

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

QString labelOf(const ql::VariantRecord& v) {
    return QStringLiteral("%1 #%2").arg(qs(v.format)).arg(v.id);
}

LayerTensorRow toRow(const ql::TensorMetricsRecord& t, double totalSquaredError) {
    const ql::ErrorMetrics& m = t.metrics;
    LayerTensorRow row;
    row.tensor = qs(t.tensor);
    row.kind = qs(ql::tensorKind(t.tensor));
    const ql::LayerKey layer = ql::layerOf(t.tensor);
    row.layer = qs(layer.label());
    row.layerOrder = int(layer.kind) * 100000 + layer.block;
    row.rows = t.rows;
    row.cols = t.cols;
    row.storageFormat = qs(t.storageFormat);
    row.rmse = m.rmse;
    row.relFrobenius = m.relFrobenius;
    row.snrDb = m.snrDb;
    row.cosine = m.cosine;
    row.maxAbsError = m.maxAbsError;
    row.bytes = m.bytes;
    row.bitsPerWeight = m.bitsPerWeight;
    row.share = totalSquaredError > 0 ? m.sumSquaredError / totalSquaredError : 0.0;
    row.analysed = t.analysis.has_value();
    if (t.analysis) {
        row.metadataBitsPerWeight = t.analysis->metadataBitsPerWeight;
        row.outlierShareK3 = t.analysis->outliers.shareK3();
        row.outlierShareK6 = t.analysis->outliers.shareK6();
    }
    return row;
}

QList<LayerGroupRow> toRows(const std::vector<ql::GroupError>& ranked, ql::Grouping grouping) {
    std::map<std::string, int> order;
    for (const ql::GroupError& g : ql::inModelOrder(ranked, grouping))
        order.emplace(g.group, int(order.size()));
    QList<LayerGroupRow> rows;
    for (const ql::GroupError& g : ranked)
        rows.append({qs(g.group), order[g.group], g.tensors, g.weights, g.share, g.weightShare,
                     g.concentration(), g.relFrobenius(), g.rmse(), false, 0.0});
    return rows;
}

// Each group's output-aware error, aggregated by the engine from the stored traces.
void setGroupOutputErrors(QList<LayerGroupRow>& rows,
                          const std::vector<ql::LayerOutputErrorRecord>& layers,
                          ql::Grouping grouping) {
    std::map<QString, double> byGroup;
    for (const ql::OutputErrorGroup& g : ql::groupOutputErrors(layers, grouping))
        byGroup[qs(g.group)] = g.relError();
    for (LayerGroupRow& row : rows)
        if (const auto it = byGroup.find(row.group); it != byGroup.end()) {
            row.outputMeasured = true;
            row.outputError = it->second;
        }
}

// The variant's latest calibration, if it was ever measured: per tensor and per group.
void addOutputErrors(VariantLayers& v, const ql::Workspace& ws) {
    const auto measured = ql::latestLayerOutputErrors(ws, v.id);
    if (!measured)
        return;
    v.calibration = qs(measured->calibration);
    v.calibratedAt = qs(measured->createdAt);
    std::map<QString, double> byTensor;
    for (const ql::LayerOutputErrorRecord& r : measured->layers)
        byTensor[qs(r.tensor)] = r.relError;
    for (LayerTensorRow& row : v.tensors)
        if (const auto it = byTensor.find(row.tensor); it != byTensor.end()) {
            row.outputMeasured = true;
            row.outputError = it->second;
        }
    setGroupOutputErrors(v.blocks, measured->layers, ql::Grouping::Block);
    setGroupOutputErrors(v.kinds, measured->layers, ql::Grouping::Kind);
}

VariantLayers readVariant(const ql::Workspace& ws, const ql::VariantRecord& v) {
    VariantLayers out;
    out.id = v.id;
    out.label = labelOf(v);
    out.bitsPerWeight =
        v.totalWeights > 0 ? 8.0 * double(v.totalBytes) / double(v.totalWeights) : 0.0;
    const ql::SensitivityRanking ranking = ws.sensitivity(v.id);
    out.totalSquaredError = ranking.totalSquaredError;
    for (const ql::TensorMetricsRecord& t : ws.tensorMetrics(v.id))
        out.tensors.append(toRow(t, ranking.totalSquaredError));
    out.blocks = toRows(ranking.byBlock, ql::Grouping::Block);
    out.kinds = toRows(ranking.byKind, ql::Grouping::Kind);
    addOutputErrors(out, ws);
    return out;
}

QList<double> edgesOf(const ql::Workspace& ws, const ql::HistogramScheme& scheme) {
    const std::vector<double> stored = ws.histogramEdges(std::string(scheme.name));
    const std::vector<double>& edges = stored.empty() ? scheme.edges : stored;
    return QList<double>(edges.begin(), edges.end());
}

QList<OutlierChannel> toChannels(const std::vector<ql::OutlierLocation>& locations) {
    QList<OutlierChannel> out;
    for (const ql::OutlierLocation& l : locations)
        out.append({l.index, l.beyondK3, l.beyondK6});
    return out;
}

void fillAnalysis(TensorAnalysisData& d, const ql::TensorAnalysis& a) {
    d.analysed = true;
    d.weightMean = a.weightMean;
    d.weightSigma = a.weightSigma;
    d.errorScale = a.errorScale;
    d.errorHistogram = QList<qint64>(a.errorHistogram.begin(), a.errorHistogram.end());
    d.weightHistogram = QList<qint64>(a.weightHistogram.begin(), a.weightHistogram.end());
    d.beyondK3 = a.outliers.beyondK3;
    d.beyondK6 = a.outliers.beyondK6;
    d.shareK3 = a.outliers.shareK3();
    d.shareK6 = a.outliers.shareK6();
    d.rowsWithK6 = a.outliers.rowsWithK6;
    d.colsWithK6 = a.outliers.colsWithK6;
    d.topRows = toChannels(a.outliers.topRows);
    d.topCols = toChannels(a.outliers.topCols);
    d.codeBits = a.codeBits;
    d.metadataBitsPerWeight = a.metadataBitsPerWeight;
}

TensorAnalysisData readTensor(const ql::Workspace& ws, qint64 variantId, const QString& name) {
    TensorAnalysisData d;
    d.variantId = variantId;
    d.tensor = name;
    for (const ql::VariantRecord& v : ws.variants())
        if (v.id == variantId)
            d.variantLabel = labelOf(v);
    d.errorEdges = edgesOf(ws, ql::errorHistogramScheme());
    d.weightEdges = edgesOf(ws, ql::weightHistogramScheme());
    for (const ql::TensorMetricsRecord& t : ws.tensorMetrics(variantId)) {
        if (qs(t.tensor) != name)
            continue;
        d.rows = t.rows;
        d.cols = t.cols;
        d.bitsPerWeight = t.metrics.bitsPerWeight;
        if (t.analysis)
            fillAnalysis(d, *t.analysis);
    }
    return d;
}

} // namespace

void EngineBridge::loadLayers(const QList<qint64>& variantIds) {
    if (m_workspacePath.isEmpty())
        return;
    auto result = std::make_shared<LayersData>();
    auto work = [state = m_state, ws = toPath(m_workspacePath), variantIds,
                 result](ql::JobContext&) {
        ql::Workspace& workspace = state->workspaceAt(ws);
        for (const ql::VariantRecord& v : workspace.variants())
            if (variantIds.contains(v.id))
                result->append(readVariant(workspace, v));
    };
    submit(tr("Reading per-layer errors"), work, [this, result](const ql::JobSnapshot& s) {
        if (s.status == ql::JobStatus::Finished)
            emit layersLoaded(*result);
        else if (s.status == ql::JobStatus::Failed)
            emit jobFailed(QString::fromStdString(s.error));
    });
}

void EngineBridge::loadTensorAnalysis(qint64 variantId, const QString& tensor) {
    if (m_workspacePath.isEmpty())
        return;
    auto result = std::make_shared<TensorAnalysisData>();
    auto work = [state = m_state, ws = toPath(m_workspacePath), variantId, tensor,
                 result](ql::JobContext&) {
        *result = readTensor(state->workspaceAt(ws), variantId, tensor);
    };
    submit(tr("Reading a tensor's error analysis"), work, [this, result](const ql::JobSnapshot& s) {
        if (s.status == ql::JobStatus::Finished)
            emit tensorAnalysisLoaded(*result);
        else if (s.status == ql::JobStatus::Failed)
            emit jobFailed(QString::fromStdString(s.error));
    });
}
