#pragma once
// A long job as the job list shows it (quantize, evaluate, import): a copy of the engine
// thread's snapshot, polled by EngineBridge every 30 ms while any tracked job lives.
#include <QList>
#include <QMetaType>
#include <QString>

struct JobInfo {
    enum class State { Queued, Running, Finished, Failed, Cancelled };
    quint64 id = 0;
    QString title;
    QString stage;
    qint64 done = 0;
    qint64 total = 0;
    State state = State::Queued;
    QString error;

    bool ended() const { return state != State::Queued && state != State::Running; }
};

QString jobStateName(JobInfo::State state); // "queued", "running", "done", ...

Q_DECLARE_METATYPE(JobInfo)
