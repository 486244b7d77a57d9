#pragma once
// The Evaluate dialog's evaluation set versions: one row per version (name, version,
// examples, context, scoring, slices, content hash), the full label in the tooltip.
#include "ui/eval_types.h"

#include <QAbstractTableModel>

class EvalSetTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Version, Examples, Context, Scoring, Slices, Hash, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;

    void setSets(const QList<EvalSetInfo>& sets);
    const EvalSetInfo* set(int row) const; // null when out of range

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QList<EvalSetInfo> m_sets;
};

// "a (12), b (28)": a set's slices with their example counts; "none" without slices.
QString sliceSummary(const EvalSetInfo& set);
// How the set keeps the baseline's distributions: "full log-prob record" or "top 32 tokens
// and a tail bucket (KL divergence a lower bound)".
QString baselineRecordText(const EvalSetInfo& set);
