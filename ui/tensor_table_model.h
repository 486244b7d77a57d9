#pragma once
// The opened model's tensors as a table. DisplayRole is for people ("1.50 MiB");
// SortRole carries the raw number so a QSortFilterProxyModel sorts 2 KiB before 1 MiB.
#include "ui/bridge_types.h"

#include <QAbstractTableModel>

class TensorTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Shape, DType, Parameters, Bytes, ColumnCount };
    static constexpr int SortRole = Qt::UserRole + 1;

    explicit TensorTableModel(QObject* parent = nullptr);

    void setTensors(const QList<TensorRow>& tensors);
    const TensorRow* tensorAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QVariant display(const TensorRow& t, int column) const;
    QVariant sortKey(const TensorRow& t, int column) const;

    QList<TensorRow> m_tensors;
};
