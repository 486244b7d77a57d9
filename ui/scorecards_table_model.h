#pragma once
// One dimension of a scorecard: slices down, variants across (baseline first). The
// baseline's cells show its score; every other cell its delta with a sign, the delta
// relative to the baseline in %, and (second line) the CI and n. Cells the last gate run
// failed or found inconclusive are tinted; the tooltip has the gate's words.
#include "ui/scorecards_types.h"

#include <QAbstractTableModel>

class ScorecardTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    using QAbstractTableModel::QAbstractTableModel;

    // `gate` may be null (not gated yet).
    void setScorecard(const ScorecardData& card, const GateRunData* gate, const QString& dimension);
    QString dimension() const { return m_dimension; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    const ScoreCellData* cellAt(const QModelIndex& index) const;
    QString cellText(const ScoreCellData& c) const;
    QString cellTooltip(const ScoreCellData& c) const;
    const GateReasonData* reasonAt(const ScoreCellData& c) const;

    ScorecardData m_card;
    std::optional<GateRunData> m_gate;
    QString m_dimension;
    QStringList m_rows; // slices that have a cell in this dimension
};
