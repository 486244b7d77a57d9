#pragma once
// File > Import Scorecard…: the file and the options quantlens-cli import takes (column
// mapping, baseline, score scale). For the shared data's files the mappings documented
// in docs/gates.md are offered ready-made.
#include <QDialog>

class QDoubleSpinBox;
class QLineEdit;

struct ImportScorecardRequest {
    QString file;
    QString mapping;
    QString baseline;
    double scoreScale = 1.0;
};

// The documented mapping for a file of the shared data folder, by file name; empty
// fields when it is not one of them.
ImportScorecardRequest documentedImport(const QString& file);

class ImportScorecardDialog : public QDialog {
    Q_OBJECT
public:
    explicit ImportScorecardDialog(QWidget* parent = nullptr);

    ImportScorecardRequest request() const;
    void setFile(const QString& file); // fills in a documented mapping when there is one

private:
    void browse();

    QLineEdit* m_file;
    QLineEdit* m_mapping;
    QLineEdit* m_baseline;
    QDoubleSpinBox* m_scale;
};
