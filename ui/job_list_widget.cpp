#include "ui/job_list_widget.h"

#include "ui/engine_bridge.h"
#include "ui/export_utils.h"
#include "ui/job_list_model.h"

#include <QApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QPushButton>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>

namespace {

// The progress column as a progress bar, drawn by the style like a QProgressBar.
class ProgressDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override {
        const double fraction = index.data(JobListModel::ProgressRole).toDouble();
        QStyleOptionProgressBar bar;
        bar.rect = option.rect.adjusted(2, 2, -2, -2);
        bar.minimum = 0;
        bar.maximum = fraction < 0 ? 0 : 1000; // 0..0 draws the busy indicator
        bar.progress = fraction < 0 ? 0 : int(fraction * 1000);
        bar.text = index.data().toString();
        bar.textVisible = true;
        bar.state = option.state | QStyle::State_Horizontal;
        QApplication::style()->drawControl(QStyle::CE_ProgressBar, &bar, painter);
    }
};

} // namespace

JobListWidget::JobListWidget(EngineBridge* bridge, QWidget* parent)
    : QWidget(parent)
    , m_bridge(bridge)
    , m_model(new JobListModel(this))
    , m_view(new QTableView(this))
    , m_cancel(new QPushButton(tr("&Cancel Job"), this)) {
    m_view->setObjectName("jobListView");
    m_view->setModel(m_model);
    m_view->setItemDelegateForColumn(JobListModel::ProgressColumn, new ProgressDelegate(m_view));
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setColumnWidth(JobListModel::TitleColumn, 220);
    m_view->setColumnWidth(JobListModel::ProgressColumn, 180);
    installTableExport(m_view, QStringLiteral("jobs"));
    m_cancel->setObjectName("cancelSelectedJob");
    auto* buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(m_cancel);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_view);
    layout->addLayout(buttons);
    connect(m_bridge, &EngineBridge::jobsChanged, m_model, &JobListModel::update);
    connect(m_model, &JobListModel::dataChanged, this, &JobListWidget::updateButton);
    connect(m_model, &JobListModel::rowsInserted, this, [this] {
        if (!m_view->currentIndex().isValid())
            m_view->selectRow(0);
        updateButton();
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &JobListWidget::updateButton);
    connect(m_cancel, &QPushButton::clicked, this, &JobListWidget::cancelSelected);
    updateButton();
}

void JobListWidget::cancelSelected() {
    const QModelIndex current = m_view->currentIndex();
    if (current.isValid() && !m_model->job(current.row()).ended())
        m_bridge->cancelJob(m_model->job(current.row()).id);
}

void JobListWidget::updateButton() {
    const QModelIndex current = m_view->currentIndex();
    m_cancel->setEnabled(current.isValid() && !m_model->job(current.row()).ended());
}
