#pragma once
// Value types of the Layers view (per-layer error, sensitivity, tensor analysis), as
// EngineBridge hands them over: copies, never pointers into the engine.
#include <QList>
#include <QMetaType>
#include <QString>

// One quantized tensor of one variant.
struct LayerTensorRow {
    QString tensor;
    QString kind;       // "attn_q", "ffn_down", ... (ql::tensorKind)
    QString layer;      // "embed", "0", ..., "output", "other" (ql::layerOf)
    int layerOrder = 0; // sorts layers as the model runs
    qint64 rows = 0;
    qint64 cols = 0;
    QString storageFormat;
    double rmse = 0;
    double relFrobenius = 0;
    double snrDb = 0;
    double cosine = 0;
    double maxAbsError = 0;
    quint64 bytes = 0;
    double bitsPerWeight = 0;
    double metadataBitsPerWeight = 0;
    double share = 0;      // of the variant's summed squared error
    bool analysed = false; // false for variants stored before the error analysis
    double outlierShareK3 = 0;
    double outlierShareK6 = 0;
    // Output-aware error on calibration text: ||X (W - Q)^T|| / ||X W^T|| (calibrate).
    bool outputMeasured = false; // false until "Measure output error" ran for the variant
    double outputError = 0;
};

// A block, a tensor kind or a tensor, with its share of the variant's error.
struct LayerGroupRow {
    QString group;
    int modelOrder = 0; // position in model order within its grouping
    int tensors = 0;
    qint64 weights = 0;
    double share = 0;
    double weightShare = 0;
    double concentration = 0; // share / weightShare
    double relFrobenius = 0;
    double rmse = 0;
    // sqrt(sum noise / sum signal) over the group's measured layers
    // (engine/eval/output_error_groups.h); outputMeasured false when none was measured.
    bool outputMeasured = false;
    double outputError = 0;
};

struct VariantLayers {
    qint64 id = 0;
    QString label; // "int8 #3"
    double bitsPerWeight = 0;
    double totalSquaredError = 0;
    QList<LayerTensorRow> tensors;
    // The stored sensitivity ranking: largest share first.
    QList<LayerGroupRow> blocks;
    QList<LayerGroupRow> kinds;
    // The calibration behind the output errors ("<text hash>;n_ctx=128;chunks=6") and when
    // it was measured; empty when it never was.
    QString calibration;
    QString calibratedAt;
};

using LayersData = QList<VariantLayers>;

struct OutlierChannel {
    qint64 index = 0;
    qint64 beyondK3 = 0;
    qint64 beyondK6 = 0;
};

// One tensor of one variant in detail.
struct TensorAnalysisData {
    qint64 variantId = 0;
    QString variantLabel;
    QString tensor;
    qint64 rows = 0;
    qint64 cols = 0;
    bool analysed = false;
    double weightMean = 0;
    double weightSigma = 0;
    double errorScale = 0;
    QList<double> errorEdges; // bins + 1 edges, in units of errorScale (last is +inf)
    QList<qint64> errorHistogram;
    QList<double> weightEdges; // in sigmas about the mean (outer ones are infinite)
    QList<qint64> weightHistogram;
    qint64 beyondK3 = 0;
    qint64 beyondK6 = 0;
    double shareK3 = 0;
    double shareK6 = 0;
    qint64 rowsWithK6 = 0;
    qint64 colsWithK6 = 0;
    QList<OutlierChannel> topRows;
    QList<OutlierChannel> topCols;
    int codeBits = 0;
    double bitsPerWeight = 0;
    double metadataBitsPerWeight = 0;
};

Q_DECLARE_METATYPE(LayersData)
Q_DECLARE_METATYPE(TensorAnalysisData)
