#include "ui/eval_import_dialog.h"
#include "ui/engine_bridge.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>

bool isJsonlFile(const QString& file) {
    const QString suffix = QFileInfo(file).suffix().toLower();
    return suffix == QLatin1String("jsonl") || suffix == QLatin1String("json");
}

EvalImportDialog::EvalImportDialog(QWidget* parent)
    : QDialog(parent)
    , m_file(new QLineEdit(this))
    , m_name(new QLineEdit(this))
    , m_separator(new QLineEdit(QStringLiteral("<|endoftext|>"), this))
    , m_context(new QSpinBox(this))
    , m_scoring(new QComboBox(this))
    , m_baselineTopK(new QSpinBox(this)) {
    setWindowTitle(tr("Import Evaluation Set"));
    m_file->setObjectName("evalImportFile");
    m_file->setPlaceholderText(tr("a .jsonl of {\"id\", \"text\", \"slice\"} lines, or a .txt"));
    m_name->setObjectName("evalImportName");
    m_name->setPlaceholderText(tr("the file's name without its extension"));
    m_separator->setObjectName("evalImportSeparator");
    m_separator->setToolTip(tr("Plain text: a line equal to this separates two examples"));
    m_context->setObjectName("evalImportContext");
    m_context->setRange(8, 1 << 20);
    m_context->setValue(512);
    m_context->setSuffix(tr(" tokens"));
    m_context->setToolTip(tr("Window length the examples are scored in (llama-perplexity -c)"));
    m_scoring->addItem(tr("document (every token of an example's first window)"),
                       QStringLiteral("document"));
    m_scoring->addItem(tr("llama-perplexity (whole windows, second halves)"),
                       QStringLiteral("llama-perplexity"));
    m_baselineTopK->setObjectName("evalImportBaselineTopK");
    m_baselineTopK->setRange(0, EngineBridge::maxBaselineTopK());
    m_baselineTopK->setSpecialValueText(tr("full record (as llama-perplexity)"));
    m_baselineTopK->setPrefix(tr("top "));
    m_baselineTopK->setSuffix(tr(" tokens and a tail bucket"));
    m_baselineTopK->setToolTip(
        tr("How the baseline's next-token distributions are kept for KL divergence. The full "
           "record is llama-perplexity's (2 bytes per vocabulary entry per scored token: "
           "256 KiB per token for a 128K vocabulary). Top k keeps the k most probable tokens "
           "and one tail bucket (8k + 8 bytes per token); its KL divergence is a lower bound "
           "of the full one, and NLL, \u0394p and top-1 agreement stay exact."));
    auto* browse = new QPushButton(tr("&Browse\u2026"), this);
    connect(browse, &QPushButton::clicked, this, &EvalImportDialog::browse);
    connect(m_file, &QLineEdit::textChanged, this, &EvalImportDialog::updateFields);
    auto* fileRow = new QHBoxLayout;
    fileRow->addWidget(m_file, 1);
    fileRow->addWidget(browse);
    auto* form = new QFormLayout;
    // A row holding a layout gets no buddy from addRow, which would show the '&' itself.
    auto* fileLabel = new QLabel(tr("&File:"), this);
    fileLabel->setBuddy(m_file);
    form->addRow(fileLabel, fileRow);
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("&Separator line:"), m_separator);
    form->addRow(tr("&Context:"), m_context);
    form->addRow(tr("S&coring:"), m_scoring);
    form->addRow(tr("&Baseline kept:"), m_baselineTopK);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("&Import"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* note = new QLabel(tr("The same options as <code>quantlens-cli evalset import</code>. "
                               "The set's version is a hash of its examples and these settings: "
                               "importing changed content under the same name makes a new "
                               "version, and scores always name theirs."),
                            this);
    note->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(buttons);
    updateFields();
    resize(640, sizeHint().height());
}

void EvalImportDialog::browse() {
    const QString start = QSettings().value("evalImport/lastFolder").toString();
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Import Evaluation Set"), start,
        tr("Evaluation sets (*.jsonl *.txt);;JSONL (*.jsonl *.json);;Plain text (*.txt);;"
           "All files (*)"));
    if (path.isEmpty())
        return;
    QSettings().setValue("evalImport/lastFolder", QFileInfo(path).absolutePath());
    setFile(path);
}

void EvalImportDialog::setFile(const QString& file) {
    m_file->setText(file);
}

void EvalImportDialog::updateFields() {
    m_separator->setEnabled(!isJsonlFile(m_file->text()));
}

EvalSetImportRequest EvalImportDialog::request() const {
    EvalSetImportRequest r;
    r.file = m_file->text().trimmed();
    r.options.name = m_name->text().trimmed();
    r.options.separator = isJsonlFile(r.file) ? QString() : m_separator->text();
    r.options.nCtx = m_context->value();
    r.options.scoring = m_scoring->currentData().toString();
    r.options.baselineTopK = m_baselineTopK->value();
    return r;
}
