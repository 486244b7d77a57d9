#include "ui/job_status_widget.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <algorithm>

JobStatusWidget::JobStatusWidget(QWidget* parent)
    : QWidget(parent)
    , m_stage(new QLabel(this))
    , m_bar(new QProgressBar(this))
    , m_cancel(new QPushButton(tr("Cancel"), this))
    , m_jobs(new QPushButton(tr("Jobs\u2026"), this)) {
    m_bar->setFixedWidth(220);
    m_bar->setTextVisible(true);
    m_cancel->setObjectName("cancelJobButton");
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_stage);
    layout->addWidget(m_bar);
    layout->addWidget(m_cancel);
    layout->addWidget(m_jobs);
    m_jobs->setToolTip(tr("Every job of this session, with progress and Cancel"));
    connect(m_cancel, &QPushButton::clicked, this, &JobStatusWidget::cancelRequested);
    connect(m_jobs, &QPushButton::clicked, this, &JobStatusWidget::showJobsRequested);
    jobEnded();
}

void JobStatusWidget::jobStarted(const QString& title) {
    m_title = title;
    m_stage->setText(title);
    m_bar->setRange(0, 0); // busy until the job knows its total
    m_cancel->setEnabled(true);
    setVisible(true);
}

void JobStatusWidget::jobProgress(qint64 done, qint64 total, const QString& stage) {
    m_stage->setText(stage.isEmpty() ? m_title : m_title + QStringLiteral(": ") + stage);
    if (total <= 0)
        return;
    // QProgressBar holds ints; a per-mille scale keeps 64-bit totals in range.
    m_bar->setRange(0, 1000);
    m_bar->setValue(int(1000 * std::min(done, total) / total));
    m_bar->setFormat(QStringLiteral("%1 / %2").arg(done).arg(total));
}

void JobStatusWidget::jobEnded() {
    m_cancel->setEnabled(false);
    setVisible(false);
}
