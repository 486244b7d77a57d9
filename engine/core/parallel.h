#pragma once
// Splits [0, n) into contiguous ranges, one per thread; the calling thread takes the
// first. Small work runs inline: thread start-up costs more than it saves.
#include <cstdint>
#include <functional>

namespace ql {

int defaultThreadCount();

// Runs work(slot) for every slot in [0, count): slot 0 on the calling thread, each other on
// a thread of its own. Once all have stopped, rethrows the exception of the first slot (in
// slot order) that threw.
void onThreads(int64_t count, const std::function<void(int64_t slot)>& work);

void parallelFor(int64_t n, int threads, int64_t minPerThread,
                 const std::function<void(int64_t begin, int64_t end)>& body);

} // namespace ql
