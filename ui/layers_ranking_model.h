#pragma once
// The sensitivity ranking of one variant: blocks or tensor kinds, largest share of the
// squared error first (as the engine stored it). kSortRole holds raw numbers.
#include "ui/layers_types.h"

#include <QAbstractTableModel>

class LayersRankingModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Rank,
        Group,
        Share,
        WeightShare,
        Concentration,
        RelError,
        OutputError, // the group's output-aware error; blank until measured
        ColumnCount
    };
    static constexpr int kSortRole = Qt::UserRole + 1;

    explicit LayersRankingModel(QObject* parent = nullptr);
    void setRows(const QList<LayerGroupRow>& rows);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    QVariant display(int rank, const LayerGroupRow& r, int column) const;
    QVariant sortValue(int rank, const LayerGroupRow& r, int column) const;

    QList<LayerGroupRow> m_rows;
};
