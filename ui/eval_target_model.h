#pragma once
// The models and variants the Evaluate dialog can score or take as the baseline: one row
// each, named as the scorecard will name it; a variant whose source file is gone is shown
// but cannot be picked (its weights are rebuilt from that file).
#include "ui/eval_types.h"

#include <QAbstractListModel>

class EvalTargetListModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role { SpecRole = Qt::UserRole + 1, LabelRole };
    using QAbstractListModel::QAbstractListModel;

    void setTargets(const QList<EvalTargetInfo>& targets);
    const QList<EvalTargetInfo>& targets() const { return m_targets; }
    const EvalTargetInfo* target(int row) const; // null when out of range

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;

private:
    QList<EvalTargetInfo> m_targets;
};
