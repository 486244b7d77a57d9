#pragma once
// Asks what to measure a variant's output-aware error on: a calibration text file, the
// context (tokens per chunk) and at most how many chunks. The text defaults to the
// sample TinyStories file of the data folder ($QUANTLENS_DATA) when it exists.
#include <QDialog>

class QDialogButtonBox;
class QLineEdit;
class QSpinBox;

class LayersCalibrateDialog : public QDialog {
    Q_OBJECT
public:
    LayersCalibrateDialog(const QString& variantLabel, QWidget* parent = nullptr);

    QString textPath() const;
    int context() const;
    int chunks() const; // 0: every whole chunk of the text
    void setTextPath(const QString& path);

    // $QUANTLENS_DATA/text/tinystories_valid_1-500.txt if it exists, else empty.
    static QString defaultTextPath();

private:
    void browse();
    void updateOk();

    QLineEdit* m_path;
    QSpinBox* m_context;
    QSpinBox* m_chunks;
    QDialogButtonBox* m_buttons;
};
