#include "ui/evaluate_dialog.h"

#include "ui/engine_bridge.h"
#include "ui/eval_set_model.h"
#include "ui/eval_target_model.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QTextDocument>
#include <QVBoxLayout>

EvaluateDialog::EvaluateDialog(EngineBridge* bridge, QWidget* parent)
    : QDialog(parent)
    , m_bridge(bridge)
    , m_sets(new EvalSetTableModel(this))
    , m_targets(new EvalTargetListModel(this))
    , m_empty(new QLabel(this))
    , m_form(nullptr)
    , m_setView(new QTableView(this))
    , m_variant(new QComboBox(this))
    , m_baseline(new QComboBox(this))
    , m_summary(new QLabel(this)) {
    setWindowTitle(tr("Evaluate"));
    m_form = buildForm();
    m_empty->setObjectName("evaluateEmptyState");
    m_empty->setWordWrap(true);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setMinimumHeight(120);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    m_ok->setText(tr("&Evaluate"));
    // Left of the dialog's own buttons, as a way to get what the dialog needs.
    auto* import = new QPushButton(tr("&Import Evaluation Set\u2026"), this);
    import->setObjectName("evaluateImportButton");
    import->setAutoDefault(false);
    connect(import, &QPushButton::clicked, this, &EvaluateDialog::importRequested);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_empty);
    layout->addWidget(m_form, 1);
    auto* buttonRow = new QHBoxLayout;
    buttonRow->addWidget(import);
    buttonRow->addStretch(1);
    buttonRow->addWidget(buttons);
    layout->addLayout(buttonRow);
    connect(m_bridge, &EngineBridge::evalSetsLoaded, this, &EvaluateDialog::setData);
    connect(m_bridge, &EngineBridge::evalSetsFailed, this, [this](const QString& message) {
        m_loaded = true;
        m_empty->setText(tr("Cannot read the workspace:\n%1").arg(message));
        m_empty->show();
        m_form->hide();
    });
    connect(m_bridge, &EngineBridge::evalSetImported, this, [this](const EvalSetInfo& set) {
        m_pendingSet = set.spec();
        reload();
    });
    resize(860, 460);
    updateState();
    reload();
}

QWidget* EvaluateDialog::buildForm() {
    auto* form = new QWidget(this);
    m_setView->setObjectName("evaluateSetTable");
    m_setView->setModel(m_sets);
    m_setView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_setView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_setView->verticalHeader()->hide();
    m_setView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_setView->horizontalHeader()->setStretchLastSection(true);
    m_setView->setAlternatingRowColors(true);
    m_variant->setObjectName("evaluateVariant");
    m_variant->setModel(m_targets);
    m_baseline->setObjectName("evaluateBaseline");
    m_baseline->setModel(m_targets);
    m_baseline->setToolTip(tr("KL divergence, \u0394p and top-1 agreement are taken against "
                              "this model; its distributions are computed once per set "
                              "version and reused for every variant"));
    m_summary->setObjectName("evaluateSummary");
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::RichText);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setFrameShape(QFrame::StyledPanel);
    m_summary->setMargin(8);
    auto* fields = new QFormLayout;
    fields->addRow(tr("&Variant to score:"), m_variant);
    fields->addRow(tr("&Baseline:"), m_baseline);
    auto* layout = new QVBoxLayout(form);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* setLabel = new QLabel(tr("Evaluation &set version:"), form);
    setLabel->setBuddy(m_setView);
    layout->addWidget(setLabel);
    layout->addWidget(m_setView, 1);
    layout->addLayout(fields);
    layout->addWidget(m_summary);
    connect(m_setView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &EvaluateDialog::updateState);
    connect(m_variant, &QComboBox::currentIndexChanged, this, &EvaluateDialog::variantChanged);
    connect(m_baseline, &QComboBox::currentIndexChanged, this, &EvaluateDialog::updateState);
    return form;
}

void EvaluateDialog::reload() {
    m_loaded = false;
    m_empty->setText(tr("Reading the workspace\u2026"));
    m_bridge->loadEvalSets();
}

namespace {

int rowOf(const QList<EvalTargetInfo>& targets, const QString& spec) {
    for (int i = 0; i < targets.size(); ++i)
        if (targets[i].spec == spec)
            return i;
    return -1;
}

// The first target that can be scored: a variant before an original, since scoring a
// quantized variant against its source is what the dialog is for.
int firstVariant(const QList<EvalTargetInfo>& targets) {
    int original = -1;
    for (int i = 0; i < targets.size(); ++i) {
        if (!targets[i].fileExists)
            continue;
        if (!targets[i].isOriginal())
            return i;
        if (original < 0)
            original = i;
    }
    return original;
}

} // namespace

void EvaluateDialog::setData(const EvalSetupData& data) {
    const QString keepSet = m_pendingSet.isEmpty() ? request().set : m_pendingSet;
    const QString keepVariant = request().variant;
    m_pendingSet.clear();
    m_data = data;
    m_loaded = true;
    m_sets->setSets(data.sets);
    m_targets->setTargets(data.targets);
    if (!selectSet(keepSet) && !data.sets.isEmpty())
        m_setView->selectRow(int(data.sets.size()) - 1); // the newest version of the last name
    if (!selectVariant(keepVariant))
        m_variant->setCurrentIndex(firstVariant(data.targets));
    variantChanged();
    emit loaded();
}

bool EvaluateDialog::selectSet(const QString& spec) {
    for (int row = 0; row < m_sets->rowCount(); ++row)
        if (m_sets->set(row)->spec() == spec) {
            m_setView->selectRow(row);
            return true;
        }
    return false;
}

bool EvaluateDialog::selectVariant(const QString& spec) {
    const int row = rowOf(m_data.targets, spec);
    if (row < 0 || !m_data.targets[row].fileExists)
        return false;
    m_variant->setCurrentIndex(row);
    return true;
}

bool EvaluateDialog::selectBaseline(const QString& spec) {
    const int row = rowOf(m_data.targets, spec);
    if (row < 0 || !m_data.targets[row].fileExists)
        return false;
    m_baseline->setCurrentIndex(row);
    return true;
}

void EvaluateDialog::variantChanged() {
    m_baseline->setCurrentIndex(defaultBaselineIndex(m_data.targets, m_variant->currentIndex()));
    updateState();
}

int EvaluateDialog::currentSetRow() const {
    const QModelIndex current = m_setView->selectionModel()->currentIndex();
    return current.isValid() ? current.row() : -1;
}

EvaluateRequest EvaluateDialog::request() const {
    EvaluateRequest r;
    if (const EvalSetInfo* set = m_sets->set(currentSetRow())) {
        r.set = set->spec();
        r.setLabel = set->label;
    }
    if (const EvalTargetInfo* t = m_targets->target(m_variant->currentIndex())) {
        r.variant = t->spec;
        r.variantLabel = t->label;
    }
    if (const EvalTargetInfo* t = m_targets->target(m_baseline->currentIndex())) {
        r.baseline = t->spec;
        r.baselineLabel = t->label;
    }
    return r;
}

QString EvaluateDialog::emptyState() const {
    if (!m_loaded)
        return tr("Reading the workspace\u2026");
    if (m_data.workspace.isEmpty())
        return tr("No workspace is open.\n\nOpen or create one (File \u203a Open Workspace\u2026, "
                  "Ctrl+Shift+O), or open a model (Ctrl+O): its variants and scorecards are "
                  "kept in a workspace.");
    if (firstVariant(m_data.targets) < 0)
        return tr("Nothing to score in this workspace.\n\nOpen a model (File \u203a Open "
                  "Model\u2026) and quantize it (Quantize menu): its original weights and every "
                  "variant can then be evaluated here.");
    if (m_data.sets.isEmpty())
        return tr("No evaluation sets in this workspace.\n\nImport one (Import Evaluation "
                  "Set\u2026 below): a JSONL file with one {\"id\", \"text\", \"slice\"} object "
                  "per line, or plain text whose examples are separated by a line such as "
                  "<|endoftext|>.");
    return {};
}

bool EvaluateDialog::isReady() const {
    const EvaluateRequest r = request();
    return emptyState().isEmpty() && !r.set.isEmpty() && !r.variant.isEmpty();
}

QString EvaluateDialog::summaryHtml() const {
    const EvalSetInfo* set = m_sets->set(currentSetRow());
    const EvaluateRequest r = request();
    if (!set || r.variant.isEmpty())
        return tr("Choose an evaluation set version and a variant.");
    const auto b = [](const QString& s) { return "<b>" + s.toHtmlEscaped() + "</b>"; };
    QString text =
        tr("Scores %1 on %2: %3 examples (slices: %4), windows of %5 tokens, %6 scoring.")
            .arg(b(r.variantLabel), b(set->spec()))
            .arg(set->exampleCount)
            .arg(sliceSummary(*set).toHtmlEscaped())
            .arg(set->nCtx)
            .arg(set->scoring.toHtmlEscaped());
    if (r.baseline.isEmpty() || r.baseline == r.variant)
        text += "<br>" + tr("Baseline: the variant itself, so absolute scores only (NLL and "
                            "perplexity per example), no deltas.");
    else
        text += "<br>" + tr("Baseline %1: per example NLL and perplexity, KL divergence, "
                            "\u0394p of the correct token and top-1 agreement against it; "
                            "kept as its %2.")
                             .arg(b(r.baselineLabel), baselineRecordText(*set).toHtmlEscaped());
    text += "<br>" + tr("Results go to the scorecard %1 (set hash %2). The job runs on the "
                        "engine thread; the Jobs dock shows its progress and can cancel it.")
                         .arg(b(QStringLiteral("eval ") + set->spec()), set->contentHash);
    return text;
}

QString EvaluateDialog::summary() const {
    QTextDocument doc;
    doc.setHtml(summaryHtml());
    return doc.toPlainText();
}

void EvaluateDialog::updateState() {
    const QString empty = emptyState();
    m_empty->setText(empty);
    m_empty->setVisible(!empty.isEmpty());
    m_form->setVisible(empty.isEmpty());
    m_summary->setText(summaryHtml());
    m_ok->setEnabled(isReady());
}
