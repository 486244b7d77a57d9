#include "ui/import_scorecard_dialog.h"

#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>

ImportScorecardRequest documentedImport(const QString& file) {
    // docs/gates.md, "The real data imports without editing".
    struct Known {
        const char* name;
        const char* mapping;
        const char* baseline;
        double scale;
    };
    static const Known known[] = {
        {"autoround_gguf_per_task_acc.csv",
         "group=model,variant=variant,slice=task,score=score,dimension=const:acc,"
         "evaluator=eval_setup",
         "bf16*", 1.0},
        {"autoround_paper_methods_per_task_acc.csv",
         "group=table+model,variant=method,slice=task,score=score,dimension=const:acc", "FP16",
         0.01},
        {"vllm_gsm8k_precision_variants.csv",
         "group=base_model,variant=precision,slice=const:gsm8k,score=gsm8k_exact_match_strict,"
         "score=gsm8k_exact_match_flexible,n=limit",
         "unquantized*", 1.0},
    };
    ImportScorecardRequest r;
    r.file = file;
    for (const Known& k : known)
        if (QFileInfo(file).fileName() == QLatin1String(k.name)) {
            r.mapping = QString::fromLatin1(k.mapping);
            r.baseline = QString::fromLatin1(k.baseline);
            r.scoreScale = k.scale;
        }
    return r;
}

ImportScorecardDialog::ImportScorecardDialog(QWidget* parent)
    : QDialog(parent)
    , m_file(new QLineEdit(this))
    , m_mapping(new QLineEdit(this))
    , m_baseline(new QLineEdit(this))
    , m_scale(new QDoubleSpinBox(this)) {
    setWindowTitle(tr("Import Scorecard"));
    m_file->setObjectName("importFile");
    m_file->setPlaceholderText(tr("results_*.json of lm-evaluation-harness, or a .csv / .jsonl"));
    m_mapping->setObjectName("importMapping");
    m_mapping->setPlaceholderText(tr("columns named variant, slice, dimension, score, n"));
    m_mapping->setToolTip(tr("variant=COL,slice=COL,dimension=COL,score=COL,n=COL,group=COL; "
                             "slice=const:NAME for a constant (docs/gates.md)"));
    m_baseline->setObjectName("importBaseline");
    m_baseline->setPlaceholderText(tr("e.g. FP16 or bf16* (a trailing * matches a prefix)"));
    m_scale->setDecimals(4);
    m_scale->setRange(0.0001, 1000);
    m_scale->setValue(1.0);
    m_scale->setToolTip(tr("0.01 for scores given in percent"));
    auto* browse = new QPushButton(tr("&Browse\u2026"), this);
    connect(browse, &QPushButton::clicked, this, &ImportScorecardDialog::browse);
    connect(m_file, &QLineEdit::editingFinished, this, [this] { setFile(m_file->text()); });
    auto* fileRow = new QHBoxLayout;
    fileRow->addWidget(m_file, 1);
    fileRow->addWidget(browse);
    auto* form = new QFormLayout;
    // A row holding a layout gets no buddy from addRow, which would show the '&' itself.
    auto* fileLabel = new QLabel(tr("&File:"), this);
    fileLabel->setBuddy(m_file);
    form->addRow(fileLabel, fileRow);
    form->addRow(tr("&Mapping:"), m_mapping);
    form->addRow(tr("&Baseline:"), m_baseline);
    form->addRow(tr("Score &scale:"), m_scale);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("&Import"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("The same options as <code>quantlens-cli import</code>. "
                                    "The file is read on the engine thread; the job list shows "
                                    "its progress."),
                                 this));
    layout->addWidget(buttons);
    resize(680, sizeHint().height());
}

void ImportScorecardDialog::browse() {
    const QString start = QSettings().value("import/lastFolder").toString();
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Import Scorecard"), start,
        tr("Evaluation results (*.json *.csv *.jsonl);;All files (*)"));
    if (path.isEmpty())
        return;
    QSettings().setValue("import/lastFolder", QFileInfo(path).absolutePath());
    setFile(path);
}

void ImportScorecardDialog::setFile(const QString& file) {
    m_file->setText(file);
    const ImportScorecardRequest known = documentedImport(file);
    if (known.mapping.isEmpty())
        return;
    m_mapping->setText(known.mapping);
    m_baseline->setText(known.baseline);
    m_scale->setValue(known.scoreScale);
}

ImportScorecardRequest ImportScorecardDialog::request() const {
    return {m_file->text().trimmed(), m_mapping->text().trimmed(), m_baseline->text().trimmed(),
            m_scale->value()};
}
