#include "engine/jobs/weight_moments.h"

#include "engine/core/error.h"
#include "engine/core/parallel.h"

#include <cmath>
#include <vector>

namespace ql {
namespace {

struct RowSums {
    double sum = 0, sumSquares = 0;
};

// Four independent lanes: the adds no longer wait on each other, and the order is fixed.
RowSums rowSums(const float* x, int64_t n) {
    double s[4] = {0, 0, 0, 0}, q[4] = {0, 0, 0, 0};
    int64_t j = 0;
    for (; j + 4 <= n; j += 4) {
        for (int k = 0; k < 4; ++k) {
            const double v = double(x[j + k]);
            s[k] += v;
            q[k] += v * v;
        }
    }
    RowSums r{(s[0] + s[1]) + (s[2] + s[3]), (q[0] + q[1]) + (q[2] + q[3])};
    for (; j < n; ++j) {
        const double v = double(x[j]);
        r.sum += v;
        r.sumSquares += v * v;
    }
    return r;
}

// A finite float squared stays finite in double, so a row's sums are finite exactly when
// all of its values are: only such a row is scanned for the index.
[[noreturn]] void throwNonFinite(const float* row, int64_t cols, int64_t rowIndex,
                                 const std::string& tensorName) {
    int64_t j = 0;
    while (j + 1 < cols && std::isfinite(row[j]))
        ++j;
    throw Error("tensor '" + tensorName + "': " + (std::isnan(row[j]) ? "NaN" : "Inf") +
                " at element " + groupDigits(uint64_t(rowIndex * cols + j)) +
                "; quantization needs finite weights");
}

} // namespace

void addRowMoments(std::span<const float> rows, int64_t cols, int64_t firstRow, int threads,
                   const std::string& tensorName, WeightMoments& moments) {
    if (cols <= 0)
        return;
    const int64_t n = int64_t(rows.size()) / cols;
    std::vector<RowSums> sums(static_cast<size_t>(n));
    // At least 64 Ki values per thread, or starting threads costs more than it saves.
    const int64_t minRows = std::max<int64_t>(1, (int64_t(1) << 16) / cols);
    parallelFor(n, threads, minRows, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r)
            sums[size_t(r)] = rowSums(rows.data() + r * cols, cols);
    });
    for (int64_t r = 0; r < n; ++r) {
        const RowSums& s = sums[size_t(r)];
        if (!std::isfinite(s.sum) || !std::isfinite(s.sumSquares))
            throwNonFinite(rows.data() + r * cols, cols, firstRow + r, tensorName);
        moments.addSums(s.sum, s.sumSquares, cols);
    }
}

} // namespace ql
