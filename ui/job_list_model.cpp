#include "ui/job_list_model.h"

#include <algorithm>

QString jobProgressText(const JobInfo& job) {
    if (job.total <= 0)
        return job.state == JobInfo::State::Finished ? QStringLiteral("100 %")
                                                     : QStringLiteral("\u2014");
    const qint64 done = std::min(job.done, job.total);
    return QStringLiteral("%1 / %2 (%3 %)").arg(done).arg(job.total).arg(100 * done / job.total);
}

JobListModel::JobListModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void JobListModel::update(const QList<JobInfo>& jobs) {
    for (const JobInfo& j : jobs)
        upsert(j);
}

void JobListModel::upsert(const JobInfo& job) {
    for (int r = 0; r < m_jobs.size(); ++r)
        if (m_jobs[r].id == job.id) {
            m_jobs[r] = job;
            emit dataChanged(index(r, 0), index(r, ColumnCount - 1));
            return;
        }
    beginInsertRows({}, 0, 0);
    m_jobs.prepend(job);
    endInsertRows();
    if (m_jobs.size() > kMaxRows) {
        beginRemoveRows({}, kMaxRows, int(m_jobs.size()) - 1);
        m_jobs.resize(kMaxRows);
        endRemoveRows();
    }
}

int JobListModel::runningCount() const {
    return int(
        std::count_if(m_jobs.begin(), m_jobs.end(), [](const JobInfo& j) { return !j.ended(); }));
}

int JobListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_jobs.size());
}

int JobListModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant JobListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const JobInfo& j = m_jobs[index.row()];
    if (role == ProgressRole)
        return j.total > 0 ? double(std::min(j.done, j.total)) / double(j.total)
                           : (j.state == JobInfo::State::Finished ? 1.0 : -1.0);
    if (role == Qt::ToolTipRole && !j.error.isEmpty())
        return j.error;
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case TitleColumn:
        return j.title;
    case StateColumn:
        return jobStateName(j.state);
    case ProgressColumn:
        return jobProgressText(j);
    case StageColumn:
        return j.state == JobInfo::State::Failed ? j.error : j.stage;
    default:
        return {};
    }
}

QVariant JobListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    static const char* const names[] = {"Job", "State", "Progress", "Stage"};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}
