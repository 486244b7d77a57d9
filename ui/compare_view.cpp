#include "ui/compare_view.h"

#include "ui/compare_fit_panel.h"
#include "ui/compare_variant_model.h"
#include "ui/engine_bridge.h"
#include "ui/export_utils.h"
#include "ui/heatmap_widget.h"
#include "ui/workbench_context.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>

namespace {

// The fit format column edits with a list of the formats the fit model knows.
class FormatDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    QWidget* createEditor(QWidget* parent, const QStyleOptionViewItem&,
                          const QModelIndex&) const override {
        auto* box = new QComboBox(parent);
        box->addItem(QStringLiteral("stored"));
        box->addItems(EngineBridge::fitFormatNames());
        return box;
    }
    void setEditorData(QWidget* editor, const QModelIndex& index) const override {
        auto* box = static_cast<QComboBox*>(editor);
        box->setCurrentText(index.data(Qt::EditRole).toString());
    }
    void setModelData(QWidget* editor, QAbstractItemModel* model,
                      const QModelIndex& index) const override {
        model->setData(index, static_cast<QComboBox*>(editor)->currentText());
    }
};

QString formatKey(const QString& card, const QString& variant) {
    return card + QChar(0x1f) + variant;
}

} // namespace

CompareView::CompareView(WorkbenchContext* context, EngineBridge* bridge, QWidget* parent)
    : QWidget(parent)
    , m_context(context)
    , m_bridge(bridge)
    , m_variants(new CompareVariantModel(this)) {
    m_policyPath = QSettings().value("compare/policy").toString();
    m_empty = new QLabel(
        tr("<h3>No scorecards in this workspace yet</h3>"
           "<p>Import a scorecard: <b>File &gt; Import Scorecard\u2026</b> (lm-evaluation-harness "
           "results, or a CSV/JSONL of per-slice scores), or from a shell:<br>"
           "<code>quantlens-cli import --workspace WORKSPACE FILE</code>.</p>"
           "<p>Then each variant's per-slice regressions appear here beside whether it fits "
           "your GPUs.</p>"),
        this);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    m_empty->setObjectName("compareEmptyState");
    m_stack = new QStackedWidget(this);
    m_stack->addWidget(m_empty);
    m_stack->addWidget(buildContent());
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(buildToolbar());
    layout->addWidget(m_stack, 1);

    connect(m_bridge, &EngineBridge::scorecardsLoaded, this, &CompareView::onScorecards);
    connect(m_bridge, &EngineBridge::comparisonLoaded, this, &CompareView::onComparison);
    connect(m_bridge, &EngineBridge::comparisonFailed, this, [this](const QString& message) {
        m_summary->setText(tr("Cannot compare: %1").arg(message));
    });
    connect(m_variants, &CompareVariantModel::checkedChanged, this, [this](const QStringList& v) {
        m_context->setComparedVariants(v);
        updateHeatmap();
    });
    connect(m_variants, &CompareVariantModel::formatChosen, this, &CompareView::rememberFormat);
    connect(m_context, &WorkbenchContext::comparedVariantsChanged, this,
            [this](const QStringList& v) {
                if (v != m_variants->checkedVariants())
                    m_variants->setChecked(v);
            });
    connect(m_context, &WorkbenchContext::modelOpened, this,
            [this](const ModelSummary& m) { m_fit->setOpenedModel(m.path); });
}

QWidget* CompareView::buildToolbar() {
    auto* bar = new QWidget(this);
    m_scorecards = new QComboBox(bar);
    m_scorecards->setObjectName("scorecardCombo");
    m_scorecards->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_dimensions = new QComboBox(bar);
    m_dimensions->setObjectName("dimensionCombo");
    m_dimensions->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_policyButton = new QPushButton(bar);
    m_policyButton->setObjectName("policyButton");
    m_policyButton->setToolTip(tr("The gate policy JSON the heatmap is judged by (docs/gates.md)"));
    m_summary = new QLabel(bar);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* scorecardLabel = new QLabel(tr("&Scorecard:"), bar);
    scorecardLabel->setBuddy(m_scorecards);
    auto* dimensionLabel = new QLabel(tr("&Dimension:"), bar);
    dimensionLabel->setBuddy(m_dimensions);
    auto* layout = new QHBoxLayout(bar);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(scorecardLabel);
    layout->addWidget(m_scorecards);
    layout->addWidget(dimensionLabel);
    layout->addWidget(m_dimensions);
    layout->addWidget(m_policyButton);
    layout->addWidget(m_summary, 1);
    connect(m_scorecards, &QComboBox::currentIndexChanged, this, &CompareView::showScorecard);
    connect(m_dimensions, &QComboBox::currentIndexChanged, this, &CompareView::updateHeatmap);
    connect(m_policyButton, &QPushButton::clicked, this, &CompareView::choosePolicy);
    setPolicyPath(m_policyPath);
    return bar;
}

QWidget* CompareView::buildContent() {
    m_variantView = new QTableView(this);
    m_variantView->setObjectName("compareVariantTable");
    m_variantView->setModel(m_variants);
    m_variantView->setItemDelegateForColumn(CompareVariantModel::FormatColumn,
                                            new FormatDelegate(m_variantView));
    m_variantView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_variantView->verticalHeader()->hide();
    m_variantView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_variantView->setEditTriggers(QAbstractItemView::DoubleClicked |
                                   QAbstractItemView::EditKeyPressed);
    installTableExport(m_variantView, QStringLiteral("variants"));
    m_variantView->setMinimumWidth(400); // variant, verdict and format stay readable
    m_heatmap = new HeatmapWidget(this);
    m_fit = new CompareFitPanel(m_bridge, m_variants, this);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->setObjectName("compareSplitter");
    split->addWidget(m_variantView);
    split->addWidget(m_heatmap);
    split->addWidget(m_fit);
    split->setStretchFactor(1, 3);
    split->setStretchFactor(2, 2);
    split->setSizes({380, 640, 560});
    return split;
}

bool CompareView::showsEmptyState() const {
    return m_stack->currentWidget() == m_empty;
}

void CompareView::setPolicyPath(const QString& path) {
    m_policyPath = path;
    QSettings().setValue("compare/policy", path);
    m_policyButton->setText(path.isEmpty()
                                ? tr("Gate policy: default\u2026")
                                : tr("Gate policy: %1\u2026").arg(QFileInfo(path).fileName()));
    if (m_comparison.isValid())
        m_bridge->loadComparison(m_comparison.card.id, m_policyPath);
}

void CompareView::choosePolicy() {
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Gate policy (cancel for the built-in default)"),
        QFileInfo(m_policyPath).absolutePath(), tr("Gate policy (*.json)"));
    setPolicyPath(path);
}

void CompareView::onScorecards(const ScorecardInfoList& cards) {
    m_cards = cards;
    QSignalBlocker block(m_scorecards);
    m_scorecards->clear();
    for (const ScorecardInfo& c : cards)
        m_scorecards->addItem(QStringLiteral("%1 (#%2)").arg(c.name).arg(c.id), c.id);
    m_stack->setCurrentIndex(cards.isEmpty() ? 0 : 1);
    if (cards.isEmpty())
        return;
    // The scorecard the context points at (the one in view, or one just imported).
    const int index = std::max(0, m_scorecards->findData(m_context->selectedScorecard()));
    m_scorecards->setCurrentIndex(index);
    showScorecard(index);
}

void CompareView::showScorecard(int index) {
    if (index < 0 || index >= m_cards.size())
        return;
    const ScorecardInfo& card = m_cards[index];
    m_context->selectScorecard(card.id);
    m_summary->setText(tr("Comparing\u2026"));
    m_fit->setScorecardName(card.name);
    m_bridge->loadComparison(card.id, m_policyPath);
}

void CompareView::onComparison(const ComparisonData& data) {
    if (data.card.id != m_scorecards->currentData().toLongLong())
        return; // an older request
    const bool sameCard = data.card.id == m_comparison.card.id;
    m_comparison = data;
    const QString dimension = m_dimensions->currentText();
    {
        QSignalBlocker block(m_dimensions);
        m_dimensions->clear();
        for (const HeatmapData& d : data.dimensions)
            m_dimensions->addItem(d.dimension);
        m_dimensions->setCurrentIndex(std::max(0, m_dimensions->findText(dimension)));
    }
    const QStringList previously = m_context->comparedVariants();
    m_variants->setVariants(data.card.baseline, data.verdicts, rememberedFormats());
    // A new policy or a re-read keeps the selection; another scorecard shows everything.
    if (sameCard && !previously.isEmpty())
        m_variants->setChecked(previously);
    updateVerdictSummary();
    updateHeatmap();
    m_fit->refresh();
}

void CompareView::updateHeatmap() {
    QStringList columns = m_variants->checkedVariants();
    columns.removeAll(m_comparison.card.baseline);
    m_heatmap->setData(heatmapFor(m_comparison, m_dimensions->currentText(), columns));
}

void CompareView::updateVerdictSummary() {
    int fail = 0, inconclusive = 0, pass = 0;
    for (const VariantGateVerdict& v : m_comparison.verdicts)
        (v.verdict == CellVerdict::Fail           ? fail
         : v.verdict == CellVerdict::Inconclusive ? inconclusive
                                                  : pass)++;
    m_summary->setText(tr("Baseline %1 \u00b7 gate \u201c%2\u201d: %3 pass, %4 fail, %5 "
                          "inconclusive \u00b7 %6 comparisons")
                           .arg(m_comparison.card.baseline, m_comparison.policyName)
                           .arg(pass)
                           .arg(fail)
                           .arg(inconclusive)
                           .arg(m_comparison.comparisons));
    m_summary->setToolTip(tr("Policy: %1. Read a lone red cell among many comparisons with "
                             "care.")
                              .arg(m_comparison.policySource));
}

QHash<QString, QString> CompareView::rememberedFormats() const {
    QHash<QString, QString> out;
    const QVariantMap saved = QSettings().value("compare/formats").toMap();
    for (const QString& v : m_comparison.card.variants) {
        const QString f = saved.value(formatKey(m_comparison.card.name, v)).toString();
        if (!f.isEmpty())
            out.insert(v, f);
    }
    return out;
}

void CompareView::rememberFormat(const QString& variant, const QString& format) {
    QSettings s;
    QVariantMap saved = s.value("compare/formats").toMap();
    saved.insert(formatKey(m_comparison.card.name, variant), format);
    s.setValue("compare/formats", saved);
}
