#include "engine/compute/cpu/cpu_parallel.h"
#include "engine/core/parallel.h"

#include <algorithm>
#include <atomic>

namespace ql {

int64_t rowChunkFor(int64_t cols) {
    return std::max<int64_t>(1, (int64_t(1) << 16) / std::max<int64_t>(1, cols));
}

void forEachRowChunk(int64_t rows, int threads, int64_t chunkRows, int64_t minRowsPerThread,
                     const std::function<void(int64_t, int64_t)>& body) {
    if (rows <= 0)
        return;
    chunkRows = std::max<int64_t>(1, chunkRows);
    const int64_t chunks = (rows + chunkRows - 1) / chunkRows;
    const int64_t useful = std::max<int64_t>(1, rows / std::max<int64_t>(1, minRowsPerThread));
    const int64_t count = std::clamp<int64_t>(threads, 1, std::min(useful, chunks));
    if (count == 1) {
        body(0, rows);
        return;
    }
    std::atomic<int64_t> next{0};
    std::atomic<bool> failed{false};
    onThreads(count, [&](int64_t) {
        try {
            for (int64_t c = next.fetch_add(1); c < chunks && !failed.load(); c = next.fetch_add(1))
                body(c * chunkRows, std::min(rows, (c + 1) * chunkRows));
        } catch (...) {
            failed = true; // the other threads stop taking chunks
            throw;
        }
    });
}

} // namespace ql
