#include "ui/decision_models.h"

#include <QFont>

void DecisionHistoryModel::setDecisions(const QList<DecisionData>& oldestFirst) {
    beginResetModel();
    m_rows.clear();
    for (auto it = oldestFirst.rbegin(); it != oldestFirst.rend(); ++it)
        m_rows.append(*it);
    endResetModel();
}

const DecisionData* DecisionHistoryModel::decisionAt(int row) const {
    return row >= 0 && row < m_rows.size() ? &m_rows[row] : nullptr;
}

int DecisionHistoryModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int DecisionHistoryModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant DecisionHistoryModel::text(const DecisionData& d, int column) const {
    switch (column) {
    case Id:
        return d.id;
    case When:
        return d.createdAt;
    case Who:
        return d.author;
    case Subject:
        return d.subject;
    case Default:
        return d.defaultVariant;
    case Flagged:
        return d.flagged.isEmpty() ? tr("none") : flaggedText(d.flagged);
    case Rationale:
        return d.rationale;
    case Status:
        return d.supersededBy ? tr("superseded by #%1").arg(d.supersededBy) : tr("current");
    default:
        return {};
    }
}

QVariant DecisionHistoryModel::data(const QModelIndex& index, int role) const {
    const DecisionData* d = index.isValid() ? decisionAt(index.row()) : nullptr;
    if (!d || index.column() >= ColumnCount)
        return {};
    if (role == Qt::DisplayRole)
        return text(*d, index.column());
    if (role == Qt::ToolTipRole)
        return tr("%1\nrests on scorecards %2%3")
            .arg(d->rationale)
            .arg([&] {
                QStringList ids;
                for (const qint64 id : d->scorecards)
                    ids << QStringLiteral("#%1").arg(id);
                return ids.join(QStringLiteral(", "));
            }())
            .arg(d->gatePolicyId ? tr(" and gate policy #%1").arg(d->gatePolicyId) : QString());
    if (role == Qt::FontRole && !d->supersededBy) {
        QFont f;
        f.setBold(true);
        return f;
    }
    return {};
}

QVariant DecisionHistoryModel::headerData(int section, Qt::Orientation orientation,
                                          int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char* names[] = {"#",       "When",    "Who",       "Subject",
                                  "Default", "Flagged", "Rationale", "Status"};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

void FlaggedVariantModel::setVariants(const QStringList& variants) {
    beginResetModel();
    QList<Row> rows;
    for (const auto& v : variants) {
        Row r{v, false, {}};
        for (const auto& old : m_rows)
            if (old.variant == v)
                r = old; // keep what the user ticked when the list is refreshed
        rows.append(r);
    }
    m_rows = rows;
    endResetModel();
}

FlaggedList FlaggedVariantModel::flagged() const {
    FlaggedList out;
    for (const auto& r : m_rows)
        if (r.checked && !r.surfaces.isEmpty())
            out.append({r.variant, r.surfaces});
    return out;
}

QStringList FlaggedVariantModel::missingSurfaces() const {
    QStringList out;
    for (const auto& r : m_rows)
        if (r.checked && r.surfaces.isEmpty())
            out << r.variant;
    return out;
}

int FlaggedVariantModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int FlaggedVariantModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FlaggedVariantModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= m_rows.size() || index.column() >= ColumnCount)
        return {};
    const Row& r = m_rows[index.row()];
    if (index.column() == Variant && role == Qt::DisplayRole)
        return r.variant;
    if (index.column() == Variant && role == Qt::CheckStateRole)
        return r.checked ? Qt::Checked : Qt::Unchecked;
    if (index.column() == Surfaces && (role == Qt::DisplayRole || role == Qt::EditRole))
        return r.surfaces.join(QStringLiteral(", "));
    if (index.column() == Surfaces && role == Qt::ToolTipRole)
        return tr("Where this variant may be switched on, comma-separated (batch, internal, ...)");
    return {};
}

bool FlaggedVariantModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (!index.isValid() || index.row() >= m_rows.size())
        return false;
    Row& r = m_rows[index.row()];
    if (index.column() == Variant && role == Qt::CheckStateRole)
        r.checked = value.toInt() == Qt::Checked;
    else if (index.column() == Surfaces && role == Qt::EditRole) {
        r.surfaces.clear();
        for (const auto& s : value.toString().split(QLatin1Char(',')))
            if (!s.trimmed().isEmpty())
                r.surfaces << s.trimmed();
        if (!r.surfaces.isEmpty())
            r.checked = true; // naming surfaces means flagging it
    } else
        return false;
    emit dataChanged(this->index(index.row(), 0), this->index(index.row(), ColumnCount - 1));
    return true;
}

Qt::ItemFlags FlaggedVariantModel::flags(const QModelIndex& index) const {
    if (!index.isValid())
        return Qt::NoItemFlags;
    const Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    return index.column() == Variant ? f | Qt::ItemIsUserCheckable : f | Qt::ItemIsEditable;
}

QVariant FlaggedVariantModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    return section == Variant    ? tr("Behind a flag")
           : section == Surfaces ? tr("Surfaces")
                                 : QVariant();
}
