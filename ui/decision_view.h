#pragma once
// Decision: record which variant ships by default, which ones may be switched on behind a
// flag and where, why and by whom, resting on a scorecard and its last gate run; see the
// history. The engine keeps decisions append-only: a new one supersedes the current one
// for the same subject. Also the place the release report is exported from.
#include "ui/scorecards_types.h"

#include <QWidget>

class EngineBridge;
class WorkbenchContext;
class DecisionHistoryModel;
class FlaggedVariantModel;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

class DecisionView : public QWidget {
    Q_OBJECT
public:
    DecisionView(WorkbenchContext* context, EngineBridge* bridge, QWidget* parent = nullptr);

    DecisionHistoryModel* historyModel() const { return m_history; }
    FlaggedVariantModel* flaggedModel() const { return m_flagged; }
    // The decision the form describes now (what Record would append).
    DecisionInput input() const;
    // Empty when the form can be recorded, else what is missing.
    QString missing() const;

public slots:
    void reload();
    void record();
    // "Export Report…": asks for a .pdf or .html file and writes the release report of the
    // workspace (EngineBridge::exportReport). For the File menu.
    void exportReport();
    void exportReportTo(const QString& path); // without the dialog

private:
    void setData(const ScoreViewData& data);
    void showScorecard();
    void updateState();
    QWidget* buildForm();

    WorkbenchContext* m_context;
    EngineBridge* m_bridge;
    ScoreViewData m_data;
    DecisionHistoryModel* m_history;
    FlaggedVariantModel* m_flagged;
    QComboBox* m_cards;
    QLineEdit* m_subject;
    QComboBox* m_default;
    QPlainTextEdit* m_rationale;
    QLineEdit* m_author;
    QPushButton* m_record;
    QLabel* m_gateNote;
    QLabel* m_status;
    int m_recording = -1; // decisions before a Record in flight, else -1
};
