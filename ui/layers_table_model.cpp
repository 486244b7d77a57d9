#include "ui/layers_table_model.h"

#include <cmath>

namespace {

QString percent(double share) {
    return QStringLiteral("%1 %").arg(100.0 * share, 0, 'f', share < 0.001 ? 3 : 2);
}

QString snrText(double db) {
    return std::isinf(db) ? QStringLiteral("exact") : QString::number(db, 'f', 1);
}

QString outputTip(const LayerTensorRow& r) {
    if (!r.outputMeasured)
        return LayersTableModel::tr("not measured: run Measure output error");
    return LayersTableModel::tr("||X(W-Q)\u1d40|| / ||XW\u1d40|| on the calibration text: "
                                "how far this layer's output moves, not its weights");
}

} // namespace

LayersTableModel::LayersTableModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void LayersTableModel::setRows(const QList<LayerTensorRow>& rows) {
    beginResetModel();
    m_rows = rows;
    endResetModel();
}

int LayersTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int LayersTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString LayersTableModel::text(const LayerTensorRow& r, int column) const {
    switch (column) {
    case Tensor:
        return r.tensor;
    case Layer:
        return r.layer;
    case Kind:
        return r.kind;
    case Format:
        return r.storageFormat;
    case Share:
        return percent(r.share);
    case RelError:
        return QString::number(r.relFrobenius, 'g', 3);
    case OutputError:
        return r.outputMeasured ? QString::number(r.outputError, 'g', 3) : QString();
    case Rmse:
        return QString::number(r.rmse, 'g', 3);
    case SnrDb:
        return snrText(r.snrDb);
    case Cosine:
        return QString::number(r.cosine, 'f', 6);
    case MaxAbs:
        return QString::number(r.maxAbsError, 'g', 3);
    case Bits:
        return QString::number(r.bitsPerWeight, 'f', 3);
    }
    if (!r.analysed)
        return tr("n/a");
    if (column == MetadataBits)
        return QString::number(r.metadataBitsPerWeight, 'f', 3);
    return percent(column == OutliersK3 ? r.outlierShareK3 : r.outlierShareK6);
}

QVariant LayersTableModel::sortValue(const LayerTensorRow& r, int column) const {
    switch (column) {
    case Tensor:
        return r.tensor;
    case Layer:
        return r.layerOrder;
    case Kind:
        return r.kind;
    case Format:
        return r.storageFormat;
    case Share:
        return r.share;
    case RelError:
        return r.relFrobenius;
    case OutputError:
        return r.outputMeasured ? r.outputError : -1.0; // unmeasured sorts below 0
    case Rmse:
        return r.rmse;
    case SnrDb:
        return r.snrDb;
    case Cosine:
        return r.cosine;
    case MaxAbs:
        return r.maxAbsError;
    case Bits:
        return r.bitsPerWeight;
    case MetadataBits:
        return r.metadataBitsPerWeight;
    case OutliersK3:
        return r.outlierShareK3;
    }
    return r.outlierShareK6;
}

QVariant LayersTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount)
        return {};
    const LayerTensorRow& r = m_rows[index.row()];
    if (role == Qt::DisplayRole)
        return text(r, index.column());
    if (role == kSortRole)
        return sortValue(r, index.column());
    if (role == Qt::TextAlignmentRole && index.column() >= Share)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && index.column() == Share)
        return tr("%1 of the variant's summed squared weight error").arg(percent(r.share));
    if (role == Qt::ToolTipRole && index.column() == OutputError)
        return outputTip(r);
    return {};
}

QVariant LayersTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section >= ColumnCount)
        return {};
    static const char* const names[ColumnCount] = {
        QT_TR_NOOP("Tensor"),        QT_TR_NOOP("Layer"),          QT_TR_NOOP("Kind"),
        QT_TR_NOOP("Format"),        QT_TR_NOOP("Share of error"), QT_TR_NOOP("Rel. error"),
        QT_TR_NOOP("Output error"),  QT_TR_NOOP("RMSE"),           QT_TR_NOOP("SNR dB"),
        QT_TR_NOOP("Cosine"),        QT_TR_NOOP("Max |err|"),      QT_TR_NOOP("Bits/weight"),
        QT_TR_NOOP("Metadata bits"), QT_TR_NOOP("> 3\u03c3"),      QT_TR_NOOP("> 6\u03c3")};
    return tr(names[section]);
}
