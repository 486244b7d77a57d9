#include "ui/eval_set_model.h"

#include <QDir>

QString sliceSummary(const EvalSetInfo& set) {
    QStringList parts;
    for (const auto& [slice, n] : set.slices)
        parts << QStringLiteral("%1 (%2)").arg(slice).arg(n);
    return parts.isEmpty() ? QObject::tr("none") : parts.join(QStringLiteral(", "));
}

void EvalSetTableModel::setSets(const QList<EvalSetInfo>& sets) {
    beginResetModel();
    m_sets = sets;
    endResetModel();
}

const EvalSetInfo* EvalSetTableModel::set(int row) const {
    return row >= 0 && row < m_sets.size() ? &m_sets[row] : nullptr;
}

int EvalSetTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_sets.size());
}

int EvalSetTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString baselineRecordText(const EvalSetInfo& set) {
    if (set.baselineTopK <= 0)
        return QObject::tr("full log-prob record");
    return QObject::tr("top %1 tokens and a tail bucket (KL divergence a lower bound)")
        .arg(set.baselineTopK);
}

namespace {

QVariant displayValue(const EvalSetInfo& s, int column) {
    switch (column) {
    case EvalSetTableModel::Name:
        return s.name;
    case EvalSetTableModel::Version:
        return QStringLiteral("v%1").arg(s.version);
    case EvalSetTableModel::Examples:
        return s.exampleCount;
    case EvalSetTableModel::Context:
        return s.nCtx;
    case EvalSetTableModel::Scoring:
        return s.scoring;
    case EvalSetTableModel::Slices:
        return sliceSummary(s);
    case EvalSetTableModel::Hash:
        return s.contentHash;
    }
    return {};
}

QString toolTip(const EvalSetInfo& s) {
    return QObject::tr("%1\n%2 examples, n_ctx %3, %4 scoring%5\nslices: %6\nfrom %7\nimported %8"
                       "\nbaseline: %9")
        .arg(s.label)
        .arg(s.exampleCount)
        .arg(s.nCtx)
        .arg(s.scoring,
             s.tokenizer.isEmpty() ? QString() : QObject::tr(", tokenizer %1").arg(s.tokenizer),
             sliceSummary(s), QDir::toNativeSeparators(s.sourcePath), s.createdAt,
             baselineRecordText(s));
}

} // namespace

QVariant EvalSetTableModel::data(const QModelIndex& index, int role) const {
    const EvalSetInfo* s = index.isValid() ? set(index.row()) : nullptr;
    if (!s || index.column() >= ColumnCount)
        return {};
    if (role == Qt::DisplayRole)
        return displayValue(*s, index.column());
    if (role == Qt::ToolTipRole)
        return toolTip(*s);
    if (role == Qt::TextAlignmentRole && (index.column() == Examples || index.column() == Context))
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant EvalSetTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    static const char* names[] = {"Set",     "Version", "Examples",    "n_ctx",
                                  "Scoring", "Slices",  "Content hash"};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}
