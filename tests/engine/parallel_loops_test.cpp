// The engine's two thread splits: parallelFor (one contiguous range per thread) and the CPU
// quantizers' forEachRowChunk (chunks from a shared counter). Every row is visited exactly
// once for any thread count and chunk size, and a body's exception reaches the caller
// after every thread has stopped.
#include "engine/compute/cpu/cpu_parallel.h"
#include "engine/core/parallel.h"

#include <atomic>
#include <gtest/gtest.h>
#include <stdexcept>
#include <vector>

namespace ql {
namespace {

std::vector<int>
visits(int64_t rows,
       const std::function<void(const std::function<void(int64_t, int64_t)>&)>& loop) {
    std::vector<std::atomic<int>> seen(static_cast<size_t>(rows));
    loop([&](int64_t begin, int64_t end) {
        ASSERT_LE(0, begin);
        ASSERT_LE(begin, end);
        ASSERT_LE(end, rows);
        for (int64_t r = begin; r < end; ++r)
            ++seen[size_t(r)];
    });
    std::vector<int> out;
    for (const auto& s : seen)
        out.push_back(s.load());
    return out;
}

TEST(ParallelLoops, EveryRowOnceForAnySplit) {
    for (const int64_t rows : {1, 2, 5, 7, 64, 1000})
        for (const int threads : {1, 2, 3, 4, 8})
            for (const int64_t chunk : {1, 3, 16, 5000}) {
                SCOPED_TRACE(testing::Message()
                             << rows << " rows, " << threads << " threads, chunk " << chunk);
                const std::vector<int> once(size_t(rows), 1);
                EXPECT_EQ(
                    visits(rows,
                           [&](const auto& body) { parallelFor(rows, threads, chunk, body); }),
                    once);
                EXPECT_EQ(visits(rows,
                                 [&](const auto& body) {
                                     forEachRowChunk(rows, threads, chunk, 1, body);
                                 }),
                          once);
            }
}

TEST(ParallelLoops, ABodysExceptionReachesTheCaller) {
    const auto failOnRow = [](int64_t bad) {
        return [bad](int64_t begin, int64_t end) {
            if (begin <= bad && bad < end)
                throw std::runtime_error("row " + std::to_string(bad));
        };
    };
    for (const int threads : {1, 2, 4}) {
        EXPECT_THROW(parallelFor(100, threads, 1, failOnRow(99)), std::runtime_error);
        EXPECT_THROW(parallelFor(100, threads, 1, failOnRow(0)), std::runtime_error);
        EXPECT_THROW(forEachRowChunk(100, threads, 7, 1, failOnRow(99)), std::runtime_error);
        EXPECT_THROW(forEachRowChunk(100, threads, 7, 1, failOnRow(0)), std::runtime_error);
    }
    try {
        onThreads(4, [](int64_t slot) {
            if (slot >= 2)
                throw std::runtime_error("slot " + std::to_string(slot));
        });
        FAIL() << "expected the exception of slot 2";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "slot 2"); // the first slot in slot order
    }
}

} // namespace
} // namespace ql
