#pragma once
// The Layers view's metrics table: every quantized tensor of one variant with its error,
// bits, outliers and (once measured) output-aware error. Qt::DisplayRole is text for people;
// kSortRole is the raw number, so a QSortFilterProxyModel sorts numerically (and layers in model
// order).
#include "ui/layers_types.h"

#include <QAbstractTableModel>

class LayersTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Tensor,
        Layer,
        Kind,
        Format,
        Share,
        RelError,
        OutputError, // output-aware error on calibration text; blank until measured
        Rmse,
        SnrDb,
        Cosine,
        MaxAbs,
        Bits,
        MetadataBits,
        OutliersK3,
        OutliersK6,
        ColumnCount
    };
    static constexpr int kSortRole = Qt::UserRole + 1;

    explicit LayersTableModel(QObject* parent = nullptr);
    void setRows(const QList<LayerTensorRow>& rows);
    const LayerTensorRow& row(int index) const { return m_rows[index]; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    QString text(const LayerTensorRow& r, int column) const;
    QVariant sortValue(const LayerTensorRow& r, int column) const;

    QList<LayerTensorRow> m_rows;
};
