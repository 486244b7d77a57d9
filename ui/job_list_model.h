#pragma once
// The jobs the engine ran or runs this session (quantize, evaluate, import), newest
// first: title, state, progress and stage. Rows are updated in place by job id, so a
// selection survives the 30 ms polls; ended jobs stay as history (at most kMaxRows).
#include "ui/job_list_types.h"

#include <QAbstractTableModel>

class JobListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { TitleColumn, StateColumn, ProgressColumn, StageColumn, ColumnCount };
    static constexpr int kMaxRows = 50;
    // Progress as a fraction in [0, 1], or -1 while the total is unknown.
    static constexpr int ProgressRole = Qt::UserRole + 1;

    explicit JobListModel(QObject* parent = nullptr);

    void update(const QList<JobInfo>& jobs);
    const JobInfo& job(int row) const { return m_jobs[row]; }
    int runningCount() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    void upsert(const JobInfo& job);
    QList<JobInfo> m_jobs;
};

// "12 / 40 (30 %)", "—" while unknown.
QString jobProgressText(const JobInfo& job);
