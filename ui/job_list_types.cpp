#include "ui/job_list_types.h"

#include <QCoreApplication>

QString jobStateName(JobInfo::State state) {
    switch (state) {
    case JobInfo::State::Queued:
        return QCoreApplication::translate("JobList", "queued");
    case JobInfo::State::Running:
        return QCoreApplication::translate("JobList", "running");
    case JobInfo::State::Finished:
        return QCoreApplication::translate("JobList", "done");
    case JobInfo::State::Failed:
        return QCoreApplication::translate("JobList", "failed");
    case JobInfo::State::Cancelled:
        return QCoreApplication::translate("JobList", "cancelled");
    }
    return {};
}
