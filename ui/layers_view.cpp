#include "ui/layers_view.h"

#include "ui/engine_bridge.h"
#include "ui/layers_calibrate_dialog.h"
#include "ui/layers_chart_panel.h"
#include "ui/layers_ranking_model.h"
#include "ui/layers_table_model.h"
#include "ui/layers_tensor_panel.h"
#include "ui/workbench_context.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace {

QTableView* makeTable(QAbstractItemModel* model, QWidget* parent) {
    auto* view = new QTableView(parent);
    view->setModel(model);
    view->setSortingEnabled(true);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->verticalHeader()->hide();
    view->horizontalHeader()->setStretchLastSection(true);
    view->setAlternatingRowColors(true);
    view->setWordWrap(false);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    return view;
}

} // namespace

LayersView::LayersView(WorkbenchContext* context, EngineBridge* bridge, QWidget* parent)
    : QWidget(parent)
    , m_context(context)
    , m_bridge(bridge)
    , m_variantBox(new QComboBox(this))
    , m_summary(new QLabel(this))
    , m_measure(new QPushButton(tr("Measure output error\u2026"), this))
    , m_chart(new LayersChartPanel(this))
    , m_ranking(new LayersRankingModel(this))
    , m_rankingTitle(new QLabel(this))
    , m_table(new LayersTableModel(this))
    , m_tableProxy(new QSortFilterProxyModel(this))
    , m_tensor(new LayersTensorPanel(this)) {
    m_variantBox->setObjectName("layersVariant");
    m_tableProxy->setSourceModel(m_table);
    m_tableProxy->setSortRole(LayersTableModel::kSortRole);
    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Variant:"), this));
    bar->addWidget(m_variantBox);
    bar->addWidget(m_summary, 1);
    bar->addWidget(m_measure);
    m_measure->setObjectName("layersMeasureOutput");
    m_measure->setToolTip(tr("Run the variant's original model over calibration text and "
                             "measure how far each quantized layer's output moves"));
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(buildTop());
    split->addWidget(buildBottom());
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(split, 1);

    connect(context, &WorkbenchContext::variantsChanged, this, &LayersView::requestLayers);
    connect(context, &WorkbenchContext::variantSelected, this, &LayersView::fillVariantBox);
    connect(context, &WorkbenchContext::tensorSelected, this, &LayersView::requestTensor);
    connect(bridge, &EngineBridge::layersLoaded, this, &LayersView::setLayers);
    connect(bridge, &EngineBridge::tensorAnalysisLoaded, this, &LayersView::showTensor);
    connect(bridge, &EngineBridge::calibrationFinished, this, &LayersView::calibrationDone);
    connect(m_measure, &QPushButton::clicked, this, &LayersView::askCalibration);
    connect(m_chart, &LayersChartPanel::variantClicked, context, &WorkbenchContext::selectVariant);
    connect(m_variantBox, &QComboBox::activated, this,
            [this] { m_context->selectVariant(m_variantBox->currentData().toLongLong()); });
    connect(m_variantBox, &QComboBox::currentIndexChanged, this, &LayersView::showVariant);
    requestLayers();
}

QWidget* LayersView::buildTop() {
    auto* ranking = new QWidget(this);
    auto* layout = new QVBoxLayout(ranking);
    layout->setContentsMargins(0, 0, 0, 0);
    m_rankingTitle->setWordWrap(true);
    layout->addWidget(m_rankingTitle);
    auto* rankingProxy = new QSortFilterProxyModel(this);
    rankingProxy->setSourceModel(m_ranking);
    rankingProxy->setSortRole(LayersRankingModel::kSortRole);
    m_rankingView = makeTable(rankingProxy, ranking);
    m_rankingView->sortByColumn(LayersRankingModel::Rank, Qt::AscendingOrder);
    layout->addWidget(m_rankingView, 1);
    connect(m_chart->findChild<QComboBox*>("layersGrouping"), &QComboBox::currentIndexChanged, this,
            &LayersView::showRanking);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_chart);
    split->addWidget(ranking);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    return split;
}

QWidget* LayersView::buildBottom() {
    m_tableView = makeTable(m_tableProxy, this);
    m_tableView->sortByColumn(LayersTableModel::Share, Qt::DescendingOrder);
    connect(m_tableView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                if (current.isValid())
                    m_context->selectTensor(
                        m_table->row(m_tableProxy->mapToSource(current).row()).tensor);
            });
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_tableView);
    split->addWidget(m_tensor);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    return split;
}

qint64 LayersView::currentVariant() const {
    return m_variantBox->currentData().toLongLong();
}

const VariantLayers* LayersView::variant(qint64 id) const {
    for (const VariantLayers& v : m_layers)
        if (v.id == id)
            return &v;
    return nullptr;
}

void LayersView::requestLayers() {
    QList<qint64> ids;
    for (const VariantErrors& v : m_context->variants())
        ids << v.id;
    if (ids.isEmpty()) {
        setLayers({});
        return;
    }
    m_bridge->loadLayers(ids);
}

void LayersView::setLayers(const LayersData& layers) {
    m_layers = layers;
    m_chart->setData(layers);
    fillVariantBox();
}

// The context's selected variant when it is one of ours, else the newest.
void LayersView::fillVariantBox() {
    const QSignalBlocker block(m_variantBox);
    m_variantBox->clear();
    for (const VariantLayers& v : m_layers)
        m_variantBox->addItem(v.label, v.id);
    const int selected = m_variantBox->findData(m_context->selectedVariant());
    m_variantBox->setCurrentIndex(selected >= 0 ? selected : m_variantBox->count() - 1);
    showVariant();
}

void LayersView::showVariant() {
    const VariantLayers* v = variant(currentVariant());
    m_table->setRows(v ? v->tensors : QList<LayerTensorRow>{});
    m_tableView->resizeColumnsToContents();
    m_summary->setText(summaryText(v));
    m_measure->setEnabled(v != nullptr);
    showRanking();
    requestTensor();
}

QString LayersView::summaryText(const VariantLayers* v) const {
    if (!v)
        return tr("<i>No variants yet: quantize the model to measure its error layer by "
                  "layer.</i>");
    const QString sizes = tr("%1 tensors, %2 bits per weight overall")
                              .arg(v->tensors.size())
                              .arg(v->bitsPerWeight, 0, 'f', 3);
    if (v->calibration.isEmpty())
        return sizes + tr("; output error not measured: press Measure output error\u2026");
    // "<sha256>;n_ctx=128;chunks=6": the settings matter to people, a prefix of the hash
    // tells texts apart.
    const QString hash = v->calibration.section(';', 0, 0).left(12);
    const QString settings = v->calibration.section(';', 1).replace(';', QStringLiteral(", "));
    return sizes + tr("; output error on text %1 (%2), %3").arg(hash, settings, v->calibratedAt);
}

quint64 LayersView::startCalibration(const QString& textPath, int nCtx, int chunks) {
    const qint64 id = currentVariant();
    return id > 0 ? m_bridge->calibrate(id, textPath, nCtx, chunks) : 0;
}

void LayersView::askCalibration() {
    const VariantLayers* v = variant(currentVariant());
    if (!v)
        return;
    LayersCalibrateDialog dialog(v->label, this);
    if (dialog.exec() == QDialog::Accepted)
        startCalibration(dialog.textPath(), dialog.context(), dialog.chunks());
}

// Read the layers again (all variants, so the chart compares them) and show the figure
// that was just measured.
void LayersView::calibrationDone(qint64 variantId) {
    if (variantId == currentVariant())
        m_chart->setFigure(LayerFigure::OutputError);
    requestLayers();
}

void LayersView::showRanking() {
    const VariantLayers* v = variant(currentVariant());
    const bool byBlock = m_chart->grouping() == LayerGrouping::Block;
    m_ranking->setRows(!v ? QList<LayerGroupRow>{} : byBlock ? v->blocks : v->kinds);
    m_rankingView->resizeColumnsToContents();
    m_rankingTitle->setText(
        v ? tr("<b>Sensitivity ranking</b> of %1 %2: share of the summed squared weight "
               "error; error per size = share / share of weights")
                .arg(v->label.toHtmlEscaped(), byBlock ? tr("by block") : tr("by tensor kind"))
          : tr("<b>Sensitivity ranking</b>"));
}

void LayersView::requestTensor() {
    const QString tensor = m_context->selectedTensor();
    const VariantLayers* v = variant(currentVariant());
    if (tensor.isEmpty() || !v) {
        m_tensor->showMessage(
            tr("Select a tensor in the table to see its error histogram and weights."));
        return;
    }
    const bool quantized = std::any_of(v->tensors.begin(), v->tensors.end(),
                                       [&](const LayerTensorRow& r) { return r.tensor == tensor; });
    if (!quantized) {
        m_tensor->showMessage(tr("%1 is kept as it is in %2.").arg(tensor, v->label));
        return;
    }
    m_bridge->loadTensorAnalysis(v->id, tensor);
}

void LayersView::showTensor(const TensorAnalysisData& data) {
    // A late answer for a tensor or variant that is no longer shown is dropped.
    if (data.variantId == currentVariant() && data.tensor == m_context->selectedTensor())
        m_tensor->showAnalysis(data);
}
