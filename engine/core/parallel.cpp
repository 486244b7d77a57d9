#include "engine/core/parallel.h"

#include <algorithm>
#include <exception>
#include <thread>
#include <vector>

namespace ql {

int defaultThreadCount() {
    return std::max(1u, std::thread::hardware_concurrency());
}

void onThreads(int64_t count, const std::function<void(int64_t)>& work) {
    std::vector<std::exception_ptr> errors(static_cast<size_t>(std::max<int64_t>(count, 1)));
    const auto run = [&](int64_t slot) {
        try {
            work(slot);
        } catch (...) {
            errors[size_t(slot)] = std::current_exception();
        }
    };
    std::vector<std::thread> workers;
    for (int64_t t = 1; t < count; ++t)
        workers.emplace_back(run, t);
    run(0);
    for (auto& w : workers)
        w.join();
    for (auto& e : errors)
        if (e)
            std::rethrow_exception(e);
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
    const int64_t step = (n + count - 1) / count;
    onThreads(count, [&](int64_t t) {
        const int64_t begin = t * step, end = std::min(n, begin + step);
        if (begin < end)
            body(begin, end);
    });
}

} // namespace ql
