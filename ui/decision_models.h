#pragma once
// The Decision view's models: the decision history (newest first) and the variants that
// may be flagged, each with the surfaces it is allowed on.
#include "ui/scorecards_types.h"

#include <QAbstractTableModel>

class DecisionHistoryModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Id, When, Who, Subject, Default, Flagged, Rationale, Status, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;

    void setDecisions(const QList<DecisionData>& oldestFirst);
    const DecisionData* decisionAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QVariant text(const DecisionData& d, int column) const;
    QList<DecisionData> m_rows; // newest first
};

class FlaggedVariantModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Variant, Surfaces, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;

    void setVariants(const QStringList& variants);
    // Checked variants with at least one surface.
    FlaggedList flagged() const;
    // Checked variants without a surface: the decision cannot be recorded until fixed.
    QStringList missingSurfaces() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    struct Row {
        QString variant;
        bool checked = false;
        QStringList surfaces;
    };
    QList<Row> m_rows;
};
