#include "ui/scorecards_verdict_model.h"

#include <QBrush>
#include <QColor>
#include <QFont>

void VerdictTableModel::setGate(const GateRunData* gate) {
    beginResetModel();
    m_rows.clear();
    if (gate)
        for (const auto& v : gate->verdicts) {
            if (v.reasons.isEmpty())
                m_rows.append(
                    {v.variant, v.verdict, {}, {}, {}, tr("every gated cell within its limit")});
            for (const auto& r : v.reasons)
                m_rows.append({v.variant, v.verdict, r.severity, r.slice, r.dimension, r.message});
        }
    endResetModel();
}

int VerdictTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int VerdictTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

namespace {

QColor verdictColor(const QString& v) {
    if (v == QLatin1String("fail"))
        return {0xb2, 0x18, 0x2b};
    if (v == QLatin1String("pass"))
        return {0x1a, 0x7f, 0x37};
    return {0x9a, 0x67, 0x00};
}

} // namespace

QVariant VerdictTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= m_rows.size() || index.column() >= ColumnCount)
        return {};
    const Row& r = m_rows[index.row()];
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        switch (index.column()) {
        case Variant:
            return r.variant;
        case Verdict: // the reason's own severity; the variant's verdict when it passed
            return (r.severity.isEmpty() ? r.verdict : r.severity).toUpper();
        case Slice:
            return r.slice;
        case Dimension:
            return r.dimension;
        case Reason:
            return r.reason;
        default:
            return {};
        }
    }
    if (role == Qt::ForegroundRole && index.column() == Verdict)
        return QBrush(verdictColor(r.severity.isEmpty() ? r.verdict : r.severity));
    if (role == Qt::FontRole && index.column() == Verdict) {
        QFont f;
        f.setBold(true);
        return f;
    }
    return {};
}

QVariant VerdictTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char* names[] = {"Variant", "Verdict", "Slice", "Dimension", "Reason"};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}
