#pragma once
// Splits [0, n) into contiguous ranges, one per thread; the calling thread takes the
// first. Small work runs inline: thread start-up costs more than it saves.
#include <cstdint>
#include <functional>

namespace ql {

int defaultThreadCount();
void parallelFor(int64_t n, int threads, int64_t minPerThread,
                 const std::function<void(int64_t begin, int64_t end)>& body);

} // namespace ql
