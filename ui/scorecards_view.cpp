#include "ui/scorecards_view.h"

#include "ui/engine_bridge.h"
#include "ui/gate_policy_editor.h"
#include "ui/scorecards_table_model.h"
#include "ui/scorecards_verdict_model.h"
#include "ui/workbench_context.h"

#include <QComboBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace {

// Where the editor starts on a workspace that has never been gated: two points of any
// score in [0, 1] per slice, significance required. Named as a starting point.
const char* kStartingPolicy =
    R"json({"name": "starting point (max regression 0.02 per slice)", "max_regression": 0.02})json";

} // namespace

ScorecardsView::ScorecardsView(WorkbenchContext* context, EngineBridge* bridge, QWidget* parent)
    : QWidget(parent)
    , m_context(context)
    , m_bridge(bridge)
    , m_table(new ScorecardTableModel(this))
    , m_verdicts(new VerdictTableModel(this))
    , m_editor(new GatePolicyEditor(this))
    , m_stack(new QStackedWidget(this))
    , m_cards(new QComboBox(this))
    , m_dimensions(new QComboBox(this))
    , m_info(new QLabel(this))
    , m_status(new QLabel(this))
    , m_verdictBox(new QGroupBox(this))
    , m_tableView(new QTableView(this))
    , m_run(new QPushButton(tr("Run Gate"), this)) {
    qRegisterMetaType<ScoreViewData>();
    auto* empty = new QLabel(tr("No scorecards in this workspace yet.\n\nScore a variant on an "
                                "evaluation set (Evaluate \u203a Evaluate\u2026, Ctrl+E), or "
                                "import lm-evaluation-harness results or a CSV/JSONL of scores "
                                "(File \u203a Import Scorecard\u2026, or quantlens-cli import), "
                                "then gate them here."),
                             this);
    empty->setAlignment(Qt::AlignCenter);
    empty->setWordWrap(true);
    m_stack->addWidget(empty);
    m_stack->addWidget(buildContent());
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_stack);
    connect(m_bridge, &EngineBridge::scoreDataLoaded, this, &ScorecardsView::setData);
    connect(m_bridge, &EngineBridge::scoreActionFailed, this, &ScorecardsView::showError);
    connect(m_cards, &QComboBox::currentIndexChanged, this, &ScorecardsView::showScorecard);
    connect(m_dimensions, &QComboBox::currentIndexChanged, this, &ScorecardsView::showDimension);
    connect(m_editor, &GatePolicyEditor::edited, this,
            [this] { m_status->setText(tr("Policy edited: Run Gate to judge the variants.")); });
    reload();
}

QWidget* ScorecardsView::buildToolbar() {
    auto* bar = new QWidget(this);
    auto* row = new QHBoxLayout(bar);
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(new QLabel(tr("Scorecard"), bar));
    row->addWidget(m_cards, 2);
    row->addWidget(new QLabel(tr("Dimension"), bar));
    row->addWidget(m_dimensions, 1);
    row->addStretch(1);
    auto* save = new QPushButton(tr("Save Policy"), bar);
    save->setToolTip(tr("Store the edited policy in the workspace without gating"));
    m_run->setToolTip(tr("Store the policy, gate every variant of this scorecard, keep the "
                         "verdicts (Ctrl+R)"));
    m_run->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    m_run->setDefault(true);
    row->addWidget(save);
    row->addWidget(m_run);
    connect(save, &QPushButton::clicked, this, &ScorecardsView::savePolicy);
    connect(m_run, &QPushButton::clicked, this, &ScorecardsView::runGate);
    return bar;
}

QWidget* ScorecardsView::buildContent() {
    auto* content = new QWidget(this);
    m_tableView->setModel(m_table);
    m_tableView->setObjectName(QStringLiteral("scorecardTable"));
    m_tableView->setWordWrap(true);
    m_tableView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_tableView->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    auto* policyBox = new QGroupBox(tr("Gate policy"), content);
    (new QVBoxLayout(policyBox))->addWidget(m_editor);
    auto* split = new QSplitter(Qt::Horizontal, content);
    split->addWidget(m_tableView);
    split->addWidget(policyBox);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto* verdictView = new QTableView(m_verdictBox);
    verdictView->setModel(m_verdicts);
    verdictView->setObjectName(QStringLiteral("verdictTable"));
    verdictView->verticalHeader()->hide();
    verdictView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    verdictView->horizontalHeader()->setStretchLastSection(true);
    (new QVBoxLayout(m_verdictBox))->addWidget(verdictView);
    auto* vsplit = new QSplitter(Qt::Vertical, content);
    vsplit->addWidget(split);
    vsplit->addWidget(m_verdictBox);
    vsplit->setStretchFactor(0, 3);
    vsplit->setStretchFactor(1, 1);
    m_info->setWordWrap(true);
    m_info->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setWordWrap(true);
    auto* layout = new QVBoxLayout(content);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(buildToolbar());
    layout->addWidget(m_info);
    layout->addWidget(vsplit, 1);
    layout->addWidget(m_status);
    return content;
}

qint64 ScorecardsView::currentScorecard() const {
    return m_cards->currentData().toLongLong();
}

void ScorecardsView::reload() {
    if (!m_bridge->workspacePath().isEmpty())
        m_bridge->loadScoreData();
}

void ScorecardsView::selectScorecard(qint64 id) {
    const int i = m_cards->findData(id);
    if (i >= 0)
        m_cards->setCurrentIndex(i);
}

void ScorecardsView::setData(const ScoreViewData& data) {
    const qint64 keep = m_pendingCard ? m_pendingCard : currentScorecard();
    m_pendingCard = 0;
    m_data = data;
    m_status->clear();
    m_stack->setCurrentIndex(data.scorecards.isEmpty() ? 0 : 1);
    {
        const QSignalBlocker block(m_cards);
        m_cards->clear();
        for (const auto& s : data.scorecards)
            m_cards->addItem(tr("#%1 %2").arg(s.id).arg(s.name), s.id);
        const int i = m_cards->findData(keep);
        m_cards->setCurrentIndex(i >= 0 ? i : 0);
    }
    showScorecard();
}

void ScorecardsView::showScorecard() {
    const auto* card = m_data.scorecard(currentScorecard());
    if (!card)
        return;
    const QString keep = m_dimensions->currentText();
    {
        const QSignalBlocker block(m_dimensions);
        m_dimensions->clear();
        m_dimensions->addItems(card->dimensions);
        const int i = m_dimensions->findText(keep);
        m_dimensions->setCurrentIndex(i >= 0 ? i : 0);
    }
    m_info->setText(tr("Source %1 (xxh64 %2) \u00b7 evaluator %3 \u00b7 evaluation set %4 \u00b7 "
                       "baseline %5")
                        .arg(sourceFileName(card->sourcePath), card->sourceHash, card->evaluator,
                             card->evalSetVersion.left(120),
                             card->baseline.isEmpty() ? tr("none (no deltas)") : card->baseline));
    m_info->setToolTip(tr("Source: %1").arg(sourcePathTip(card->sourcePath)));
    const auto* gate = m_data.gate(card->id);
    QString policy = gate ? gate->policyJson : QString();
    if (policy.isEmpty() && !m_data.policies.isEmpty())
        policy = m_data.policies.last().json;
    if (policy.isEmpty())
        policy = QString::fromLatin1(kStartingPolicy);
    m_editor->setPolicy(policy, card->dimensions, card->slices);
    m_verdicts->setGate(gate);
    m_verdictBox->setTitle(gate
                               ? tr("Verdicts \u2014 policy \u201c%1\u201d, %2 comparisons, run %3")
                                     .arg(gate->policyName)
                                     .arg(gate->comparisons)
                                     .arg(gate->createdAt)
                               : tr("Verdicts \u2014 not gated yet: edit the policy and Run Gate"));
    m_run->setEnabled(!card->baseline.isEmpty());
    showDimension();
}

void ScorecardsView::showDimension() {
    const auto* card = m_data.scorecard(currentScorecard());
    if (!card)
        return;
    m_table->setScorecard(*card, m_data.gate(card->id), m_dimensions->currentText());
}

void ScorecardsView::runGate() {
    m_status->setText(tr("Gating\u2026"));
    m_bridge->runGate(currentScorecard(), m_editor->policyJson());
}

void ScorecardsView::savePolicy() {
    m_status->setText(tr("Saving the policy\u2026"));
    m_bridge->saveGatePolicy(m_editor->policyJson());
}

void ScorecardsView::showError(const QString& message) {
    m_status->setText(
        QStringLiteral("<span style=\"color:#b2182b\">%1</span>").arg(message.toHtmlEscaped()));
}
