#include "ui/compare_variant_model.h"

#include <QBrush>
#include <QColor>

namespace {

QString verdictText(CellVerdict v, int reasons) {
    switch (v) {
    case CellVerdict::Fail:
        return QObject::tr("fail (%1)").arg(reasons);
    case CellVerdict::Inconclusive:
        return QObject::tr("inconclusive (%1)").arg(reasons);
    case CellVerdict::Pass:
        return QObject::tr("pass");
    case CellVerdict::NotGated:
        return QObject::tr("not gated");
    }
    return {};
}

QColor verdictColour(CellVerdict v) {
    switch (v) {
    case CellVerdict::Fail:
        return {0xb2, 0x18, 0x2b};
    case CellVerdict::Inconclusive:
        return {0x8a, 0x6d, 0x00};
    case CellVerdict::Pass:
        return {0x1b, 0x7a, 0x3d};
    case CellVerdict::NotGated:
        break;
    }
    return {0x60, 0x60, 0x60};
}

} // namespace

CompareVariantModel::CompareVariantModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void CompareVariantModel::setVariants(const QString& baseline,
                                      const QList<VariantGateVerdict>& verdicts,
                                      const QHash<QString, QString>& formats) {
    beginResetModel();
    m_rows.clear();
    const auto row = [&formats](const QString& name) {
        Row r;
        r.variant = name;
        r.guessed = !formats.contains(name);
        r.format = r.guessed ? guessFitFormat(name) : formats.value(name);
        return r;
    };
    if (!baseline.isEmpty()) {
        Row b = row(baseline);
        b.baseline = true;
        m_rows.append(b);
    }
    for (const VariantGateVerdict& v : verdicts) {
        Row r = row(v.variant);
        r.verdict = v.verdict;
        r.reasons = v.reasons;
        m_rows.append(r);
    }
    endResetModel();
    emit checkedChanged(checkedVariants());
}

void CompareVariantModel::setChecked(const QStringList& variants) {
    for (Row& r : m_rows)
        r.checked = variants.contains(r.variant);
    if (!m_rows.isEmpty())
        emit dataChanged(index(0, VariantColumn), index(rowCount() - 1, VariantColumn),
                         {Qt::CheckStateRole});
    emit checkedChanged(checkedVariants());
}

QStringList CompareVariantModel::checkedVariants() const {
    QStringList out;
    for (const Row& r : m_rows)
        if (r.checked)
            out.append(r.variant);
    return out;
}

const CompareVariantModel::Row* CompareVariantModel::find(const QString& variant) const {
    for (const Row& r : m_rows)
        if (r.variant == variant)
            return &r;
    return nullptr;
}

QString CompareVariantModel::format(const QString& variant) const {
    const Row* r = find(variant);
    return r ? r->format : QString();
}

bool CompareVariantModel::formatGuessed(const QString& variant) const {
    const Row* r = find(variant);
    return r && r->guessed;
}

int CompareVariantModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int CompareVariantModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant CompareVariantModel::display(const Row& row, int column) const {
    switch (column) {
    case VariantColumn:
        return row.baseline ? tr("%1 (baseline)").arg(row.variant) : row.variant;
    case GateColumn:
        return row.verdict ? verdictText(*row.verdict, row.reasons) : QString();
    case FormatColumn:
        if (row.format.isEmpty())
            return tr("choose\u2026");
        return row.guessed ? tr("%1 (guessed)").arg(row.format) : row.format;
    default:
        return {};
    }
}

QVariant CompareVariantModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& row = m_rows[index.row()];
    if (role == Qt::DisplayRole)
        return display(row, index.column());
    if (role == Qt::EditRole && index.column() == FormatColumn)
        return row.format;
    if (role == Qt::CheckStateRole && index.column() == VariantColumn)
        return row.checked ? Qt::Checked : Qt::Unchecked;
    if (role == Qt::ForegroundRole && index.column() == GateColumn && row.verdict)
        return QBrush(verdictColour(*row.verdict));
    if (role == Qt::ToolTipRole && index.column() == FormatColumn)
        return tr("The weight format the VRAM-fit chart sizes this variant in. Double-click "
                  "to choose.");
    return {};
}

bool CompareVariantModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return false;
    Row& row = m_rows[index.row()];
    if (role == Qt::CheckStateRole && index.column() == VariantColumn) {
        row.checked = value.toInt() == Qt::Checked;
        emit dataChanged(index, index, {Qt::CheckStateRole});
        emit checkedChanged(checkedVariants());
        return true;
    }
    if (role == Qt::EditRole && index.column() == FormatColumn) {
        row.format = value.toString();
        row.guessed = false;
        emit dataChanged(index, index, {Qt::DisplayRole, Qt::EditRole});
        emit formatChosen(row.variant, row.format);
        return true;
    }
    return false;
}

Qt::ItemFlags CompareVariantModel::flags(const QModelIndex& index) const {
    if (!index.isValid())
        return Qt::NoItemFlags;
    Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    if (index.column() == VariantColumn)
        f |= Qt::ItemIsUserCheckable;
    if (index.column() == FormatColumn)
        f |= Qt::ItemIsEditable;
    return f;
}

QVariant CompareVariantModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case VariantColumn:
        return tr("Variant");
    case GateColumn:
        return tr("Gate");
    case FormatColumn:
        return tr("Fit format");
    default:
        return {};
    }
}
