#pragma once
// The editable limits of a gate policy (docs/gates.md), one row per scope: the default
// limit, one row per dimension and one per slice of the scorecard. A limit is absolute
// (score units) and/or relative (% of the baseline's score); the tighter applies. Slices
// can be marked critical (any regression beyond the limit fails, significant or not) or
// required (missing makes the verdict inconclusive). Keys this editor does not show
// (aggregate, lower_is_better, ...) are kept as they were.
#include <QAbstractTableModel>
#include <QJsonObject>
#include <optional>

class GatePolicyModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Scope, Name, Absolute, Relative, Critical, Required, ColumnCount };
    enum class Kind { Default, Dimension, Slice };

    using QAbstractTableModel::QAbstractTableModel;

    void setPolicy(const QJsonObject& policy, const QStringList& dimensions,
                   const QStringList& slices);
    // The policy with the edited limits; every other key as it came in.
    QJsonObject policy() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    struct Row {
        Kind kind = Kind::Default;
        QString name;
        std::optional<double> absolute, relative; // relative as a fraction
        bool critical = false, required = false;
    };
    static bool setLimit(std::optional<double>& limit, const QVariant& value, double scale);
    QVariant display(const Row& r, int column) const;

    QList<Row> m_rows;
    QJsonObject m_rest;
};
