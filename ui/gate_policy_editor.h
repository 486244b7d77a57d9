#pragma once
// The gate policy editor: name, confidence, significance, adjustment and the per-scope
// limits (GatePolicyModel). It edits the policy's JSON; the engine parses it when it is
// saved or run, and its errors (naming the field) are shown by the Scorecards view.
#include <QJsonObject>
#include <QWidget>

class GatePolicyModel;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QTableView;

class GatePolicyEditor : public QWidget {
    Q_OBJECT
public:
    explicit GatePolicyEditor(QWidget* parent = nullptr);

    void setPolicy(const QString& json, const QStringList& dimensions, const QStringList& slices);
    QString policyJson() const;
    GatePolicyModel* model() const { return m_model; }

signals:
    void edited();

private:
    GatePolicyModel* m_model;
    QTableView* m_table;
    QLineEdit* m_name;
    QDoubleSpinBox* m_confidence;
    QCheckBox* m_significance;
    QComboBox* m_adjustment;
};
