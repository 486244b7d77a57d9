#include "ui/scorecards_table_model.h"

#include "ui/heatmap_math.h"
#include "ui/report_format.h"

#include <QBrush>
#include <QColor>
#include <QFont>

void ScorecardTableModel::setScorecard(const ScorecardData& card, const GateRunData* gate,
                                       const QString& dimension) {
    beginResetModel();
    m_card = card;
    m_gate = gate ? std::optional<GateRunData>(*gate) : std::nullopt;
    m_dimension = dimension;
    m_rows.clear();
    for (const auto& slice : card.slices)
        for (const auto& c : card.cells)
            if (c.slice == slice && c.dimension == dimension) {
                m_rows << slice;
                break;
            }
    endResetModel();
}

int ScorecardTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ScorecardTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_card.variants.size());
}

const ScoreCellData* ScorecardTableModel::cellAt(const QModelIndex& index) const {
    if (!index.isValid() || index.row() >= m_rows.size() ||
        index.column() >= m_card.variants.size())
        return nullptr;
    return m_card.find(m_card.variants[index.column()], m_dimension, m_rows[index.row()]);
}

const GateReasonData* ScorecardTableModel::reasonAt(const ScoreCellData& c) const {
    return m_gate ? m_gate->reason(c.variant, c.dimension, c.slice) : nullptr;
}

QString ScorecardTableModel::cellText(const ScoreCellData& c) const {
    if (!c.compared)
        return formatScore(c.score);
    QString s = deltaText(c.delta, c.baseline);
    if (c.ciLow && c.ciHigh)
        s += QLatin1Char('\n') + formatInterval(*c.ciLow, *c.ciHigh);
    return s;
}

QString ScorecardTableModel::cellTooltip(const ScoreCellData& c) const {
    QString t = tr("%1 on %2 (%3)").arg(c.variant, c.slice, c.dimension);
    t += tr("\nscore %1").arg(formatScore(c.score));
    t += c.n > 0 ? tr(", n = %1").arg(c.n) : tr(", n unknown");
    if (c.compared) {
        t += tr("\nbaseline %1, delta %2")
                 .arg(formatScore(c.baseline), deltaText(c.delta, c.baseline));
        if (c.ciLow && c.ciHigh)
            t += tr("\n%1 % CI %2")
                     .arg(m_card.confidence * 100)
                     .arg(formatInterval(*c.ciLow, *c.ciHigh));
        if (c.pValue)
            t += tr(", p = %1").arg(*c.pValue, 0, 'g', 3);
        t += tr("\nmethod: %1").arg(c.method);
    }
    if (const auto* r = reasonAt(c))
        t += tr("\ngate: %1 \u2014 %2").arg(r->severity.toUpper(), r->message);
    return t;
}

QVariant ScorecardTableModel::data(const QModelIndex& index, int role) const {
    const ScoreCellData* c = cellAt(index);
    if (!c)
        return role == Qt::DisplayRole && index.isValid() ? QVariant(QStringLiteral("\u2013"))
                                                          : QVariant();
    switch (role) {
    case Qt::DisplayRole:
        return cellText(*c);
    case Qt::ToolTipRole:
        return cellTooltip(*c);
    case Qt::TextAlignmentRole:
        return int(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::BackgroundRole:
        if (const auto* r = reasonAt(*c))
            return QBrush(r->severity == QLatin1String("fail") ? QColor(0xfb, 0xe3, 0xe6)
                                                               : QColor(0xff, 0xf4, 0xd6));
        return {};
    case Qt::FontRole:
        if (!c->compared) {
            QFont f;
            f.setItalic(true);
            return f;
        }
        return {};
    default:
        return {};
    }
}

QVariant ScorecardTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    if (orientation == Qt::Horizontal) {
        if (section < 0 || section >= m_card.variants.size())
            return {};
        const QString v = m_card.variants[section];
        return v == m_card.baseline ? tr("%1 (baseline)").arg(v) : v;
    }
    if (section < 0 || section >= m_rows.size())
        return {};
    const auto* first = m_card.find(m_card.variants.value(0), m_dimension, m_rows[section]);
    return first ? sliceLabel(*first) : m_rows[section];
}
