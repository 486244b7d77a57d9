#include "engine/jobs/engine_thread.h"

#include "engine/core/error.h"

namespace ql {

const char* jobStatusName(JobStatus s) {
    switch (s) {
    case JobStatus::Queued:
        return "queued";
    case JobStatus::Running:
        return "running";
    case JobStatus::Finished:
        return "finished";
    case JobStatus::Failed:
        return "failed";
    case JobStatus::Cancelled:
        return "cancelled";
    }
    return "?";
}

void JobContext::setStage(std::string stage) {
    std::lock_guard lock(m_mutex);
    m_stage = std::move(stage);
}

void JobContext::addWarning(const std::string& w) {
    std::lock_guard lock(m_mutex);
    if (!m_warning.empty())
        m_warning += "\n";
    m_warning += w;
}

std::string JobContext::warnings() const {
    std::lock_guard lock(m_mutex);
    return m_warning;
}

void JobContext::checkCancelled() const {
    if (cancelRequested())
        throw Cancelled();
}

struct EngineThread::Job {
    uint64_t id = 0;
    std::string title;
    JobFn fn;
    DoneFn done;
    JobContext ctx;
    std::atomic<JobStatus> status{JobStatus::Queued};
    std::string error; // written by the engine thread before status leaves Running

    JobSnapshot snapshot() const {
        JobSnapshot s;
        s.id = id;
        s.title = title;
        s.status = status.load();
        s.done = ctx.m_done.load();
        s.total = ctx.m_total.load();
        std::lock_guard lock(ctx.m_mutex);
        s.stage = ctx.m_stage;
        s.warning = ctx.m_warning;
        if (s.status == JobStatus::Failed)
            s.error = error;
        return s;
    }
};

EngineThread::EngineThread()
    : m_thread([this] { run(); }) {}

EngineThread::~EngineThread() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
        for (auto& job : m_queue)
            job->ctx.m_cancel = true;
        if (m_current)
            m_current->ctx.m_cancel = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

uint64_t EngineThread::submit(std::string title, JobFn fn, DoneFn done) {
    auto job = std::make_shared<Job>();
    {
        std::lock_guard lock(m_mutex);
        job->id = m_nextId++;
        job->title = std::move(title);
        job->fn = std::move(fn);
        job->done = std::move(done);
        m_queue.push_back(job);
        m_all.push_back(job);
    }
    m_wake.notify_one();
    return job->id;
}

void EngineThread::cancel(uint64_t jobId) {
    std::lock_guard lock(m_mutex);
    for (auto& job : m_all)
        if (job->id == jobId)
            job->ctx.m_cancel = true;
}

void EngineThread::cancelAll() {
    std::lock_guard lock(m_mutex);
    for (auto& job : m_all)
        job->ctx.m_cancel = true;
}

JobSnapshot EngineThread::snapshot(uint64_t jobId) const {
    std::lock_guard lock(m_mutex);
    for (const auto& job : m_all)
        if (job->id == jobId)
            return job->snapshot();
    return {};
}

std::vector<JobSnapshot> EngineThread::snapshots() const {
    std::lock_guard lock(m_mutex);
    std::vector<JobSnapshot> out;
    for (const auto& job : m_all)
        out.push_back(job->snapshot());
    return out;
}

void EngineThread::forget(uint64_t jobId) {
    std::lock_guard lock(m_mutex);
    std::erase_if(m_all, [&](const auto& job) {
        const JobStatus s = job->status.load();
        return job->id == jobId && s != JobStatus::Queued && s != JobStatus::Running;
    });
}

void EngineThread::waitIdle() {
    std::unique_lock lock(m_mutex);
    m_idle.wait(lock, [this] { return m_queue.empty() && !m_current; });
}

void EngineThread::run() {
    for (;;) {
        std::shared_ptr<Job> job;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stop || !m_queue.empty(); });
            if (m_queue.empty())
                return; // stopping
            job = m_queue.front();
            m_queue.pop_front();
            m_current = job;
        }
        if (job->ctx.cancelRequested()) {
            job->status = JobStatus::Cancelled;
        } else {
            job->status = JobStatus::Running;
            try {
                job->fn(job->ctx);
                job->status = JobStatus::Finished;
            } catch (const Cancelled&) {
                job->status = JobStatus::Cancelled;
            } catch (const std::exception& e) {
                job->error = e.what();
                job->status = JobStatus::Failed;
            }
        }
        if (job->done)
            job->done(job->snapshot());
        {
            std::lock_guard lock(m_mutex);
            m_current.reset();
        }
        m_idle.notify_all();
    }
}

} // namespace ql
