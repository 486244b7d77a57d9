#include "ui/eval_target_model.h"

#include <QDir>

void EvalTargetListModel::setTargets(const QList<EvalTargetInfo>& targets) {
    beginResetModel();
    m_targets = targets;
    endResetModel();
}

const EvalTargetInfo* EvalTargetListModel::target(int row) const {
    return row >= 0 && row < m_targets.size() ? &m_targets[row] : nullptr;
}

int EvalTargetListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_targets.size());
}

QVariant EvalTargetListModel::data(const QModelIndex& index, int role) const {
    const EvalTargetInfo* t = index.isValid() ? target(index.row()) : nullptr;
    if (!t)
        return {};
    switch (role) {
    case Qt::DisplayRole:
        return t->displayName();
    case Qt::ToolTipRole:
        return t->isOriginal()
                   ? tr("%1\nthe model's own weights").arg(QDir::toNativeSeparators(t->modelPath))
                   : tr("variant %1 (%2) of %3\nweights rebuilt from that file")
                         .arg(t->variantId)
                         .arg(t->format, QDir::toNativeSeparators(t->modelPath));
    case SpecRole:
        return t->spec;
    case LabelRole:
        return t->label;
    }
    return {};
}

Qt::ItemFlags EvalTargetListModel::flags(const QModelIndex& index) const {
    const EvalTargetInfo* t = index.isValid() ? target(index.row()) : nullptr;
    if (!t)
        return Qt::NoItemFlags;
    return t->fileExists ? Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemNeverHasChildren
                         : Qt::ItemNeverHasChildren;
}
