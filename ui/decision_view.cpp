#include "ui/decision_view.h"

#include "ui/decision_models.h"
#include "ui/engine_bridge.h"
#include "ui/workbench_context.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

DecisionView::DecisionView(WorkbenchContext* context, EngineBridge* bridge, QWidget* parent)
    : QWidget(parent)
    , m_context(context)
    , m_bridge(bridge)
    , m_history(new DecisionHistoryModel(this))
    , m_flagged(new FlaggedVariantModel(this))
    , m_cards(new QComboBox(this))
    , m_subject(new QLineEdit(this))
    , m_default(new QComboBox(this))
    , m_rationale(new QPlainTextEdit(this))
    , m_author(new QLineEdit(qEnvironmentVariable("USER"), this))
    , m_record(new QPushButton(tr("Record Decision"), this))
    , m_gateNote(new QLabel(this))
    , m_status(new QLabel(this)) {
    qRegisterMetaType<ScoreViewData>();
    m_cards->setObjectName(QStringLiteral("scorecardBox"));
    m_default->setObjectName(QStringLiteral("defaultVariantBox"));
    auto* historyView = new QTableView(this);
    historyView->setObjectName(QStringLiteral("historyTable"));
    historyView->setModel(m_history);
    historyView->verticalHeader()->hide();
    historyView->setWordWrap(true);
    historyView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    historyView->horizontalHeader()->setSectionResizeMode(DecisionHistoryModel::Rationale,
                                                          QHeaderView::Stretch);
    historyView->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    auto* historyBox = new QGroupBox(tr("History (newest first; decisions are never changed or "
                                        "deleted)"),
                                     this);
    (new QVBoxLayout(historyBox))->addWidget(historyView);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(buildForm());
    split->addWidget(historyBox);
    split->setStretchFactor(1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(split, 1);
    layout->addWidget(m_status);
    m_status->setWordWrap(true);

    connect(m_bridge, &EngineBridge::scoreDataLoaded, this, &DecisionView::setData);
    connect(m_bridge, &EngineBridge::scoreActionFailed, this, [this](const QString& m) {
        m_status->setText(
            QStringLiteral("<span style=\"color:#b2182b\">%1</span>").arg(m.toHtmlEscaped()));
    });
    connect(m_bridge, &EngineBridge::reportExported, this, [this](const QString& path) {
        m_status->setText(tr("Report written to %1").arg(path));
    });
    connect(m_bridge, &EngineBridge::reportFailed, this, [this](const QString&, const QString& m) {
        m_status->setText(
            QStringLiteral("<span style=\"color:#b2182b\">%1</span>").arg(m.toHtmlEscaped()));
    });
    connect(m_cards, &QComboBox::currentIndexChanged, this, &DecisionView::showScorecard);
    connect(m_default, &QComboBox::currentIndexChanged, this, &DecisionView::updateState);
    connect(m_subject, &QLineEdit::textChanged, this, &DecisionView::updateState);
    connect(m_author, &QLineEdit::textChanged, this, &DecisionView::updateState);
    connect(m_rationale, &QPlainTextEdit::textChanged, this, &DecisionView::updateState);
    connect(m_flagged, &QAbstractItemModel::dataChanged, this, &DecisionView::updateState);
    connect(m_record, &QPushButton::clicked, this, &DecisionView::record);
    reload();
}

QWidget* DecisionView::buildForm() {
    auto* box = new QGroupBox(tr("Record a decision"), this);
    auto* flaggedView = new QTableView(box);
    flaggedView->setObjectName(QStringLiteral("flaggedTable"));
    flaggedView->setModel(m_flagged);
    flaggedView->verticalHeader()->hide();
    flaggedView->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    flaggedView->horizontalHeader()->setStretchLastSection(true);
    flaggedView->setEditTriggers(QAbstractItemView::AllEditTriggers);
    flaggedView->setMaximumHeight(170);
    m_rationale->setPlaceholderText(tr("Why this variant ships, and why the flagged ones only "
                                       "there: the slices, deltas and verdicts it rests on"));
    m_rationale->setMaximumHeight(90);
    m_author->setPlaceholderText(tr("who decides"));
    m_gateNote->setWordWrap(true);
    auto* export_ = new QPushButton(tr("Export Report\u2026"), box);
    export_->setToolTip(tr("The release-decision report of this workspace as PDF or HTML"));
    connect(export_, &QPushButton::clicked, this, &DecisionView::exportReport);
    auto* form = new QFormLayout;
    form->addRow(tr("Rests on scorecard"), m_cards);
    form->addRow(tr("Subject"), m_subject);
    form->addRow(tr("Ships by default"), m_default);
    form->addRow(QString(), m_gateNote);
    form->addRow(tr("Behind a flag"), flaggedView);
    form->addRow(tr("Rationale"), m_rationale);
    form->addRow(tr("Author"), m_author);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(new QLabel(tr("Recording supersedes the subject's current decision."), box));
    buttons->addStretch(1);
    buttons->addWidget(export_);
    buttons->addWidget(m_record);
    auto* layout = new QVBoxLayout(box);
    layout->addLayout(form);
    layout->addLayout(buttons);
    return box;
}

void DecisionView::reload() {
    if (!m_bridge->workspacePath().isEmpty())
        m_bridge->loadScoreData();
}

void DecisionView::setData(const ScoreViewData& data) {
    const qint64 keep = m_cards->currentData().toLongLong();
    m_data = data;
    if (m_recording >= 0 && data.decisions.size() > m_recording) {
        m_rationale->clear(); // recorded: the form is ready for the next one
        m_status->setText(tr("Decision #%1 recorded.").arg(data.decisions.last().id));
    }
    m_recording = -1;
    m_history->setDecisions(data.decisions);
    const QSignalBlocker block(m_cards);
    m_cards->clear();
    for (const auto& s : data.scorecards)
        m_cards->addItem(tr("#%1 %2").arg(s.id).arg(s.name), s.id);
    const int i = m_cards->findData(keep);
    m_cards->setCurrentIndex(i >= 0 ? i : 0);
    showScorecard();
}

void DecisionView::showScorecard() {
    const auto* card = m_data.scorecard(m_cards->currentData().toLongLong());
    const QString keepDefault = m_default->currentText();
    {
        const QSignalBlocker block(m_default);
        m_default->clear();
        if (card)
            m_default->addItems(card->variants);
        const int i = m_default->findText(keepDefault);
        if (i >= 0)
            m_default->setCurrentIndex(i);
    }
    m_flagged->setVariants(card ? card->variants : QStringList());
    if (card && (m_subject->text().isEmpty() || m_subject->isModified() == false))
        m_subject->setText(card->name);
    updateState();
}

DecisionInput DecisionView::input() const {
    DecisionInput in;
    in.subject = m_subject->text().trimmed();
    in.defaultVariant = m_default->currentText();
    for (const auto& f : m_flagged->flagged())
        if (f.first != in.defaultVariant)
            in.flagged.append(f);
    in.rationale = m_rationale->toPlainText().trimmed();
    in.author = m_author->text().trimmed();
    if (const qint64 id = m_cards->currentData().toLongLong())
        in.scorecards.append(id);
    return in;
}

QString DecisionView::missing() const {
    const DecisionInput in = input();
    if (in.scorecards.isEmpty())
        return tr("Import a scorecard first: a decision rests on one.");
    if (in.defaultVariant.isEmpty())
        return tr("Choose the variant that ships by default.");
    if (!m_flagged->missingSurfaces().isEmpty())
        return tr("Name the surfaces for %1.").arg(m_flagged->missingSurfaces().join(", "));
    if (in.rationale.isEmpty())
        return tr("Write the rationale.");
    if (in.author.isEmpty())
        return tr("Name the author.");
    return {};
}

void DecisionView::updateState() {
    const QString why = missing();
    m_record->setEnabled(why.isEmpty());
    m_record->setToolTip(why);
    const auto* gate = m_data.gate(m_cards->currentData().toLongLong());
    QString note;
    if (!gate)
        note = tr("This scorecard has not been gated yet (Scorecards view \u203a Run Gate).");
    else
        for (const auto& v : gate->verdicts)
            if (v.variant == m_default->currentText())
                note = tr("Gate \u201c%1\u201d: %2 for %3%4")
                           .arg(gate->policyName, v.verdict.toUpper(), v.variant,
                                v.verdict == QLatin1String("pass")
                                    ? QString()
                                    : tr(" \u2014 say in the rationale why it ships anyway"));
    m_gateNote->setText(note);
}

void DecisionView::record() {
    if (!missing().isEmpty())
        return;
    m_status->setText(tr("Recording\u2026"));
    m_recording = int(m_data.decisions.size());
    m_bridge->recordDecision(input());
}

void DecisionView::exportReport() {
    const QString dir = QFileInfo(m_bridge->workspacePath()).absolutePath();
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Report"),
                                                      dir + QStringLiteral("/release-report.pdf"),
                                                      tr("PDF (*.pdf);;HTML (*.html)"));
    if (!path.isEmpty())
        exportReportTo(path);
}

void DecisionView::exportReportTo(const QString& path) {
    m_status->setText(tr("Writing %1\u2026").arg(path));
    m_bridge->exportReport(path);
}
