#include "ui/layers_ranking_model.h"

LayersRankingModel::LayersRankingModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void LayersRankingModel::setRows(const QList<LayerGroupRow>& rows) {
    beginResetModel();
    m_rows = rows;
    endResetModel();
}

int LayersRankingModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int LayersRankingModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LayersRankingModel::display(int rank, const LayerGroupRow& r, int column) const {
    switch (column) {
    case Rank:
        return rank + 1;
    case Group:
        return r.group;
    case Share:
        return QStringLiteral("%1 %").arg(100.0 * r.share, 0, 'f', 1);
    case WeightShare:
        return QStringLiteral("%1 %").arg(100.0 * r.weightShare, 0, 'f', 1);
    case Concentration:
        return QStringLiteral("\u00d7%1").arg(r.concentration, 0, 'f', 2);
    case RelError:
        return QString::number(r.relFrobenius, 'g', 3);
    }
    return r.outputMeasured ? QString::number(r.outputError, 'g', 3) : QString();
}

QVariant LayersRankingModel::sortValue(int rank, const LayerGroupRow& r, int column) const {
    switch (column) {
    case Rank:
        return rank;
    case Group:
        return r.modelOrder;
    case Share:
        return r.share;
    case WeightShare:
        return r.weightShare;
    case Concentration:
        return r.concentration;
    case RelError:
        return r.relFrobenius;
    }
    return r.outputMeasured ? r.outputError : -1.0;
}

QVariant LayersRankingModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount)
        return {};
    const LayerGroupRow& r = m_rows[index.row()];
    if (role == Qt::DisplayRole)
        return display(index.row(), r, index.column());
    if (role == kSortRole)
        return sortValue(index.row(), r, index.column());
    if (role == Qt::TextAlignmentRole && index.column() != Group)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && index.column() == OutputError)
        return r.outputMeasured ? tr("sqrt(\u03a3 noise / \u03a3 signal) over the group's layers "
                                     "on the calibration text")
                                : tr("not measured: run Measure output error");
    if (role == Qt::ToolTipRole)
        return tr("%1: %2 tensors, %3 weights; %4 % of the error on %5 % of the weights")
            .arg(r.group)
            .arg(r.tensors)
            .arg(r.weights)
            .arg(100.0 * r.share, 0, 'f', 2)
            .arg(100.0 * r.weightShare, 0, 'f', 2);
    return {};
}

QVariant LayersRankingModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section >= ColumnCount)
        return {};
    static const char* const names[ColumnCount] = {
        QT_TR_NOOP("#"),           QT_TR_NOOP("Group"),          QT_TR_NOOP("Share of error"),
        QT_TR_NOOP("Of weights"),  QT_TR_NOOP("Error per size"), QT_TR_NOOP("Rel. error"),
        QT_TR_NOOP("Output error")};
    return tr(names[section]);
}
