#pragma once
// Evaluate > Evaluate…: pick an evaluation set version, the model or variant to score and
// the baseline it is compared with, and see what will run before it runs. The dialog asks
// the bridge for the workspace's sets and variants when shown, and reads them again after
// an evaluation set import; when something is missing it says what to do next.
#include "ui/eval_types.h"

#include <QDialog>

class EngineBridge;
class EvalSetTableModel;
class EvalTargetListModel;
class QComboBox;
class QLabel;
class QPushButton;
class QTableView;
class QWidget;

struct EvaluateRequest {
    QString set;      // "NAME@vN"
    QString setLabel; // "NAME@vN:<hash>"
    QString variant, variantLabel;
    QString baseline, baselineLabel;
};

class EvaluateDialog : public QDialog {
    Q_OBJECT
public:
    explicit EvaluateDialog(EngineBridge* bridge, QWidget* parent = nullptr);

    EvalSetTableModel* setModel() const { return m_sets; }
    EvalTargetListModel* targetModel() const { return m_targets; }
    bool isLoaded() const { return m_loaded; }
    bool isReady() const;       // a set version and a variant are chosen
    QString emptyState() const; // what to do next; empty when ready
    QString summary() const;    // what will run, as plain text
    EvaluateRequest request() const;

    bool selectSet(const QString& spec); // "NAME@vN"
    bool selectVariant(const QString& spec);
    bool selectBaseline(const QString& spec);

public slots:
    void reload();
    void setData(const EvalSetupData& data);

signals:
    void importRequested();
    void loaded();

private:
    QWidget* buildForm();
    int currentSetRow() const;
    void variantChanged();
    void updateState();
    QString summaryHtml() const;

    EngineBridge* m_bridge;
    EvalSetTableModel* m_sets;
    EvalTargetListModel* m_targets;
    EvalSetupData m_data;
    bool m_loaded = false;
    QString m_pendingSet; // a set just imported: selected when the sets come back
    QLabel* m_empty;
    QWidget* m_form;
    QTableView* m_setView;
    QComboBox* m_variant;
    QComboBox* m_baseline;
    QLabel* m_summary;
    QPushButton* m_ok;
};
