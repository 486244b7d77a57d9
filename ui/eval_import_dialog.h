#pragma once
// Evaluate > Import Evaluation Set…: a JSONL file ({"id", "text", "slice", "dimension"}
// per line) or plain text whose examples are separated by a line, with the settings that
// make the set's version (window length, scoring), as quantlens-cli evalset import.
#include "ui/eval_types.h"

#include <QDialog>

class QComboBox;
class QLineEdit;
class QSpinBox;

struct EvalSetImportRequest {
    QString file;
    EvalSetImportOptions options;
};

// JSONL files (.jsonl, .json) need no separator; anything else is read as plain text.
bool isJsonlFile(const QString& file);

class EvalImportDialog : public QDialog {
    Q_OBJECT
public:
    explicit EvalImportDialog(QWidget* parent = nullptr);

    EvalSetImportRequest request() const;
    void setFile(const QString& file);

private:
    void browse();
    void updateFields();

    QLineEdit* m_file;
    QLineEdit* m_name;
    QLineEdit* m_separator;
    QSpinBox* m_context;
    QComboBox* m_scoring;
    QSpinBox* m_baselineTopK;
};
