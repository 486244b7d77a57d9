#pragma once
// Scorecards and gates: one scorecard's dimension as slices x variants (deltas with sign,
// %, CI), the gate policy editor beside it, and the last gate run's verdicts with their
// reasons below. "Run Gate" stores the edited policy and the verdicts in the workspace.
#include "ui/scorecards_types.h"

#include <QWidget>

class EngineBridge;
class WorkbenchContext;
class GatePolicyEditor;
class ScorecardTableModel;
class VerdictTableModel;
class QComboBox;
class QLabel;
class QPushButton;
class QStackedWidget;
class QTableView;
class QGroupBox;

class ScorecardsView : public QWidget {
    Q_OBJECT
public:
    ScorecardsView(WorkbenchContext* context, EngineBridge* bridge, QWidget* parent = nullptr);

    ScorecardTableModel* tableModel() const { return m_table; }
    VerdictTableModel* verdictModel() const { return m_verdicts; }
    GatePolicyEditor* policyEditor() const { return m_editor; }
    qint64 currentScorecard() const;

public slots:
    void reload(); // asks the bridge for the workspace's scorecards
    void selectScorecard(qint64 id);
    // Selects `id` when the next data arrives (after reload(), for a scorecard just stored).
    void showScorecardWhenLoaded(qint64 id) { m_pendingCard = id; }
    void runGate();
    void savePolicy();

private:
    void setData(const ScoreViewData& data);
    void showScorecard();
    void showDimension();
    void showError(const QString& message);
    QWidget* buildContent();
    QWidget* buildToolbar();

    WorkbenchContext* m_context;
    EngineBridge* m_bridge;
    ScoreViewData m_data;
    ScorecardTableModel* m_table;
    VerdictTableModel* m_verdicts;
    GatePolicyEditor* m_editor;
    QStackedWidget* m_stack;
    QComboBox* m_cards;
    QComboBox* m_dimensions;
    QLabel* m_info;
    QLabel* m_status;
    QGroupBox* m_verdictBox;
    QTableView* m_tableView;
    QPushButton* m_run;
    qint64 m_pendingCard = 0;
};
