#pragma once
// The Compare view's variant list: which variants the heatmap and the fit chart show
// (check boxes), each one's gate verdict, and the weight format the fit chart sizes it
// in (guessed from the name until the user picks one).
#include "ui/compare_types.h"

#include <QAbstractTableModel>
#include <QHash>

class CompareVariantModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { VariantColumn, GateColumn, FormatColumn, ColumnCount };

    explicit CompareVariantModel(QObject* parent = nullptr);

    // Baseline first, then the gated variants in scorecard order; all checked. `formats`
    // holds the user's earlier choices by variant name.
    void setVariants(const QString& baseline, const QList<VariantGateVerdict>& verdicts,
                     const QHash<QString, QString>& formats);
    void setChecked(const QStringList& variants);
    QStringList checkedVariants() const; // in row order, baseline included when checked
    QString format(const QString& variant) const;
    bool formatGuessed(const QString& variant) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

signals:
    void checkedChanged(const QStringList& variants);
    void formatChosen(const QString& variant, const QString& format);

private:
    struct Row {
        QString variant;
        bool baseline = false;
        std::optional<CellVerdict> verdict;
        int reasons = 0;
        QString format;
        bool guessed = true;
        bool checked = true;
    };
    const Row* find(const QString& variant) const;
    QVariant display(const Row& row, int column) const;

    QList<Row> m_rows;
};
