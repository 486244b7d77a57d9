#include "ui/layers_calibrate_dialog.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

LayersCalibrateDialog::LayersCalibrateDialog(const QString& variantLabel, QWidget* parent)
    : QDialog(parent)
    , m_path(new QLineEdit(this))
    , m_context(new QSpinBox(this))
    , m_chunks(new QSpinBox(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this)) {
    setWindowTitle(tr("Measure output error"));
    m_path->setObjectName("calibrationText");
    m_path->setText(defaultTextPath());
    m_path->setPlaceholderText(tr("a plain-text file of typical input"));
    m_context->setObjectName("calibrationContext");
    m_context->setRange(8, 32768);
    m_context->setValue(128);
    m_context->setToolTip(tr("Tokens per chunk, as llama-perplexity's -c"));
    m_chunks->setObjectName("calibrationChunks");
    m_chunks->setRange(0, 1000000);
    m_chunks->setValue(0);
    m_chunks->setSpecialValueText(tr("all"));
    auto* browseButton = new QPushButton(tr("Browse\u2026"), this);
    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(browseButton);

    auto* intro = new QLabel(
        tr("Runs the original model of <b>%1</b> over the text, keeps each linear layer's "
           "input as X\u1d40X, and measures how far every quantized layer's output moves: "
           "||X(W\u2212Q)\u1d40|| / ||XW\u1d40||. Progress and Cancel are in the Jobs dock.")
            .arg(variantLabel.toHtmlEscaped()),
        this);
    intro->setWordWrap(true);
    auto* form = new QFormLayout;
    form->addRow(tr("Calibration text:"), pathRow);
    form->addRow(tr("Context (tokens):"), m_context);
    form->addRow(tr("Chunks (at most):"), m_chunks);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(m_buttons);
    connect(browseButton, &QPushButton::clicked, this, &LayersCalibrateDialog::browse);
    connect(m_path, &QLineEdit::textChanged, this, &LayersCalibrateDialog::updateOk);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    updateOk();
}

QString LayersCalibrateDialog::textPath() const {
    return m_path->text().trimmed();
}

int LayersCalibrateDialog::context() const {
    return m_context->value();
}

int LayersCalibrateDialog::chunks() const {
    return m_chunks->value();
}

void LayersCalibrateDialog::setTextPath(const QString& path) {
    m_path->setText(path);
}

QString LayersCalibrateDialog::defaultTextPath() {
    const QString env = qEnvironmentVariable("QUANTLENS_DATA");
    const QString data = env.isEmpty() ? QStringLiteral(QUANTLENS_DEFAULT_DATA) : env;
    const QString path = QDir::cleanPath(data + "/text/tinystories_valid_1-500.txt");
    return QFileInfo::exists(path) ? QFileInfo(path).absoluteFilePath() : QString();
}

void LayersCalibrateDialog::browse() {
    const QString file = QFileDialog::getOpenFileName(this, tr("Calibration text"), textPath(),
                                                      tr("Text (*.txt);;All files (*)"));
    if (!file.isEmpty())
        m_path->setText(file);
}

// OK only for a file that exists: the engine would fail on anything else.
void LayersCalibrateDialog::updateOk() {
    const bool ok = QFileInfo(textPath()).isFile();
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(ok);
    m_path->setToolTip(ok || textPath().isEmpty() ? QString() : tr("no such file"));
}
