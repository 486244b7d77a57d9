// The engine thread: order, progress, cancellation, failure.
#include "engine/core/error.h"
#include "engine/jobs/engine_thread.h"

#include <atomic>
#include <chrono>
#include <gtest/gtest.h>
#include <thread>

namespace ql {
namespace {

TEST(EngineThread, RunsJobsInOrderAndReportsProgress) {
    EngineThread engine;
    std::vector<int> order;
    const uint64_t a = engine.submit("a", [&](JobContext& ctx) {
        ctx.setTotal(10);
        ctx.setStage("counting");
        ctx.advance(10);
        order.push_back(1);
    });
    const uint64_t b = engine.submit("b", [&](JobContext&) { order.push_back(2); });
    engine.waitIdle();
    EXPECT_EQ(order, (std::vector<int>{1, 2}));
    const JobSnapshot s = engine.snapshot(a);
    EXPECT_EQ(s.status, JobStatus::Finished);
    EXPECT_EQ(s.done, 10);
    EXPECT_EQ(s.total, 10);
    EXPECT_EQ(s.stage, "counting");
    EXPECT_EQ(engine.snapshot(b).status, JobStatus::Finished);
}

TEST(EngineThread, CancelStopsARunningJobAtItsNextCheck) {
    EngineThread engine;
    std::atomic<bool> started{false};
    std::atomic<int> loops{0};
    JobStatus seen = JobStatus::Queued;
    const uint64_t id = engine.submit(
        "spin",
        [&](JobContext& ctx) {
            started = true;
            for (;;) {
                ctx.checkCancelled();
                ++loops;
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
        },
        [&](const JobSnapshot& s) { seen = s.status; });
    while (!started)
        std::this_thread::yield();
    engine.cancel(id);
    engine.waitIdle();
    EXPECT_EQ(engine.snapshot(id).status, JobStatus::Cancelled);
    EXPECT_EQ(seen, JobStatus::Cancelled);
}

TEST(EngineThread, FailureKeepsTheMessage) {
    EngineThread engine;
    const uint64_t id = engine.submit("bad", [](JobContext&) { throw Error("x.gguf: broken"); });
    engine.waitIdle();
    const JobSnapshot s = engine.snapshot(id);
    EXPECT_EQ(s.status, JobStatus::Failed);
    EXPECT_EQ(s.error, "x.gguf: broken");
}

TEST(EngineThread, QueuedJobCancelledBeforeItStartsNeverRuns) {
    EngineThread engine;
    std::atomic<bool> release{false};
    bool ran = false;
    engine.submit("block", [&](JobContext&) {
        while (!release)
            std::this_thread::yield();
    });
    const uint64_t id = engine.submit("never", [&](JobContext&) { ran = true; });
    engine.cancel(id);
    release = true;
    engine.waitIdle();
    EXPECT_FALSE(ran);
    EXPECT_EQ(engine.snapshot(id).status, JobStatus::Cancelled);
}

} // namespace
} // namespace ql
