#include "ui/tensor_table_model.h"

#include "ui/format_utils.h"

TensorTableModel::TensorTableModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void TensorTableModel::setTensors(const QList<TensorRow>& tensors) {
    beginResetModel();
    m_tensors = tensors;
    endResetModel();
}

const TensorRow* TensorTableModel::tensorAt(int row) const {
    return row >= 0 && row < m_tensors.size() ? &m_tensors[row] : nullptr;
}

int TensorTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_tensors.size());
}

int TensorTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TensorTableModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const TensorRow& t = m_tensors[index.row()];
    switch (role) {
    case Qt::DisplayRole:
        return display(t, index.column());
    case SortRole:
        return sortKey(t, index.column());
    case Qt::ToolTipRole:
        return index.column() == Bytes ? QVariant(tr("%1 bytes").arg(groupedCount(qint64(t.bytes))))
                                       : QVariant(t.name);
    case Qt::TextAlignmentRole:
        if (index.column() == Parameters || index.column() == Bytes)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    default:
        return {};
    }
}

QVariant TensorTableModel::display(const TensorRow& t, int column) const {
    switch (column) {
    case Name:
        return t.name;
    case Shape:
        return shapeText(t.shape);
    case DType:
        return t.dtype;
    case Parameters:
        return groupedCount(t.parameters);
    case Bytes:
        return humanBytes(t.bytes);
    default:
        return {};
    }
}

QVariant TensorTableModel::sortKey(const TensorRow& t, int column) const {
    switch (column) {
    case Shape:
        return t.parameters; // a shape sorts by how much it holds
    case Parameters:
        return t.parameters;
    case Bytes:
        return t.bytes;
    default:
        return display(t, column);
    }
}

QVariant TensorTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (role != Qt::DisplayRole || orientation != Qt::Horizontal)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Name:
        return tr("Name");
    case Shape:
        return tr("Shape");
    case DType:
        return tr("Type");
    case Parameters:
        return tr("Parameters");
    case Bytes:
        return tr("Bytes");
    default:
        return {};
    }
}
