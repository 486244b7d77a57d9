#pragma once
// The last gate run's verdicts: one row per reason (variant, the reason's severity, slice,
// dimension, the gate's words), or one row saying a variant passed every cell.
#include "ui/scorecards_types.h"

#include <QAbstractTableModel>

class VerdictTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Variant, Verdict, Slice, Dimension, Reason, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;

    void setGate(const GateRunData* gate); // null: not gated

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    struct Row {
        QString variant, verdict, severity, slice, dimension, reason;
    };
    QList<Row> m_rows;
};
