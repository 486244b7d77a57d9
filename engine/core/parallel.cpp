#include "engine/core/parallel.h"

#include <algorithm>
#include <exception>
#include <thread>
#include <vector>

namespace ql {

int defaultThreadCount() {
    return std::max(1u, std::thread::hardware_concurrency());
}

void parallelFor(int64_t n, int threads, int64_t minPerThread,
                 const std::function<void(int64_t, int64_t)>& body) {
    if (n <= 0)
        return;
    const int64_t useful = std::max<int64_t>(1, n / std::max<int64_t>(1, minPerThread));
    const int64_t count = std::clamp<int64_t>(threads, 1, std::min<int64_t>(useful, n));
    if (count == 1) {
        body(0, n);
        return;
    }
    std::vector<std::thread> workers;
    std::vector<std::exception_ptr> errors(static_cast<size_t>(count));
    const int64_t step = (n + count - 1) / count;
    for (int64_t t = 1; t < count; ++t) {
        const int64_t begin = t * step, end = std::min(n, begin + step);
        if (begin >= end)
            break;
        workers.emplace_back([&, t, begin, end] {
            try {
                body(begin, end);
            } catch (...) {
                errors[size_t(t)] = std::current_exception();
            }
        });
    }
    try {
        body(0, std::min(n, step));
    } catch (...) {
        errors[0] = std::current_exception();
    }
    for (auto& w : workers)
        w.join();
    for (auto& e : errors)
        if (e)
            std::rethrow_exception(e);
}

} // namespace ql
