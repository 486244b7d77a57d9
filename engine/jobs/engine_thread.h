#pragma once
// The engine thread: one worker owns the engine's long work. Jobs run in submission
// order; progress is a pair of atomics plus a stage name that the UI polls (every
// 30 ms, as Tracy does) instead of a flood of signals. Cancellation is an atomic flag
// checked between tensors and row chunks.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace ql {

enum class JobStatus { Queued, Running, Finished, Failed, Cancelled };
const char* jobStatusName(JobStatus s);

struct JobSnapshot {
    uint64_t id = 0;
    std::string title;
    JobStatus status = JobStatus::Queued;
    int64_t done = 0;
    int64_t total = 0;
    std::string stage;
    std::string error;   // for Failed
    std::string warning; // non-fatal, e.g. "Vulkan device lost; finished on the CPU"
    double fraction() const { return total > 0 ? double(done) / double(total) : 0.0; }
};

class JobContext {
public:
    void setStage(std::string stage);
    void setTotal(int64_t total) { m_total.store(total); }
    void advance(int64_t n = 1) { m_done.fetch_add(n); }
    void addWarning(const std::string& w);
    std::string warnings() const;
    bool cancelRequested() const { return m_cancel.load(std::memory_order_relaxed); }
    // Throws ql::Cancelled when cancellation was requested.
    void checkCancelled() const;

private:
    friend class EngineThread;
    std::atomic<int64_t> m_done{0};
    std::atomic<int64_t> m_total{0};
    std::atomic<bool> m_cancel{false};
    mutable std::mutex m_mutex;
    std::string m_stage;
    std::string m_warning;
};

class EngineThread {
public:
    using JobFn = std::function<void(JobContext&)>;
    // Called on the engine thread when a job ends (any status).
    using DoneFn = std::function<void(const JobSnapshot&)>;

    EngineThread();
    ~EngineThread(); // cancels what is queued or running, then joins

    uint64_t submit(std::string title, JobFn fn, DoneFn done = {});
    void cancel(uint64_t jobId);
    void cancelAll();
    JobSnapshot snapshot(uint64_t jobId) const;
    std::vector<JobSnapshot> snapshots() const; // every job not yet forgotten, in order
    void forget(uint64_t jobId);                // drop an ended job from snapshots()
    void waitIdle();                            // for tests and the CLI

private:
    struct Job;
    void run();
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_idle;
    std::deque<std::shared_ptr<Job>> m_queue;
    std::deque<std::shared_ptr<Job>> m_all;
    std::shared_ptr<Job> m_current;
    uint64_t m_nextId = 1;
    bool m_stop = false;
    std::thread m_thread;
};

} // namespace ql
