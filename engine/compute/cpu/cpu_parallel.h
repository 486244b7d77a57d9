#pragma once
// The CPU quantizers' thread split: rows in small chunks handed out from a shared counter,
// not one fixed range per thread. On a machine shared with other work a thread that loses
// its core takes fewer chunks and the others take the rest, so one slowed thread no
// longer holds the whole call back (with fixed halves it doubles the call's time).
#include <cstdint>
#include <functional>

namespace ql {

// Runs body(begin, end) over [0, rows) in chunks of chunkRows on up to `threads` threads
// (the calling thread is one of them); fewer threads where each would get less than
// minRowsPerThread rows, none but the caller's for small work. Rethrows a body's
// exception after every thread has stopped.
void forEachRowChunk(int64_t rows, int threads, int64_t chunkRows, int64_t minRowsPerThread,
                     const std::function<void(int64_t begin, int64_t end)>& body);

// Rows per chunk for rows of `cols` values: about 64 Ki values (256 KiB of f32), small
// enough to balance, large enough that the counter costs nothing.
int64_t rowChunkFor(int64_t cols);

} // namespace ql
