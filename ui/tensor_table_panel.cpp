#include "ui/tensor_table_panel.h"

#include "ui/tensor_table_model.h"
#include "ui/workbench_context.h"

#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

TensorTablePanel::TensorTablePanel(WorkbenchContext* context, QWidget* parent)
    : QWidget(parent)
    , m_context(context)
    , m_model(new TensorTableModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_filter(new QLineEdit(this))
    , m_view(new QTableView(this)) {
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(TensorTableModel::SortRole);
    m_proxy->setFilterKeyColumn(TensorTableModel::Name);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_filter->setPlaceholderText(tr("Filter tensors by name (e.g. attn, blk.3.)"));
    m_filter->setClearButtonEnabled(true);

    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(-1, Qt::AscendingOrder); // file order until the user sorts
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->horizontalHeader()->setSectionResizeMode(TensorTableModel::Name, QHeaderView::Stretch);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_filter);
    layout->addWidget(m_view);

    connect(m_filter, &QLineEdit::textChanged, m_proxy,
            &QSortFilterProxyModel::setFilterFixedString);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &TensorTablePanel::publishSelection);
    connect(context, &WorkbenchContext::tensorSelected, this, &TensorTablePanel::followSelection);
    connect(context, &WorkbenchContext::modelOpened, this, [this](const ModelSummary& m) {
        m_model->setTensors(m.tensors);
        m_view->resizeColumnsToContents();
    });
}

void TensorTablePanel::followSelection(const QString& name) {
    // A tensor picked elsewhere (the worst-tensors list) is shown here too; selectTensor
    // ignores the echo, so the two never loop.
    const QModelIndexList hits = m_proxy->match(m_proxy->index(0, TensorTableModel::Name),
                                                Qt::DisplayRole, name, 1, Qt::MatchExactly);
    if (hits.isEmpty())
        return;
    m_view->setCurrentIndex(hits.first());
    m_view->scrollTo(hits.first());
}

void TensorTablePanel::publishSelection() {
    const QModelIndex source = m_proxy->mapToSource(m_view->currentIndex());
    if (const TensorRow* row = m_model->tensorAt(source.row()))
        m_context->selectTensor(row->name);
}
