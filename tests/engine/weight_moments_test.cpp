// The quantize job's first pass (engine/jobs/weight_moments.h): mean and sigma bit-identical
// for any thread count and any chunking into whole rows, close to a long double sum taken
// independently, and the first NaN or Inf in row-major order named whatever the threads.
#include "engine/core/error.h"
#include "engine/jobs/weight_moments.h"

#include <gtest/gtest.h>
#include <random>

namespace ql {
namespace {

// 520 x 517: enough values for four threads (64 Ki each), a row length not a multiple of 4.
constexpr int64_t kRows = 520, kCols = 517;

std::vector<float> weights() {
    std::vector<float> w(size_t(kRows * kCols));
    std::mt19937 rng(11);
    std::normal_distribution<float> n(0.003f, 0.04f);
    for (auto& x : w)
        x = n(rng);
    w[1234] = 60000.0f; // one huge value beside small ones
    return w;
}

WeightMoments chunked(const std::vector<float>& w, int64_t chunkRows, int threads,
                      const std::string& name = "blk.0.ffn_up.weight") {
    WeightMoments m;
    for (int64_t r = 0; r < kRows; r += chunkRows) {
        const int64_t n = std::min(chunkRows, kRows - r);
        addRowMoments(std::span(w).subspan(size_t(r * kCols), size_t(n * kCols)), kCols, r, threads,
                      name, m);
    }
    return m;
}

TEST(WeightMoments, IdenticalForAnyThreadCountAndChunking) {
    const auto w = weights();
    const WeightMoments base = chunked(w, kRows, 1);
    EXPECT_EQ(base.count(), kRows * kCols);
    for (int threads : {1, 2, 4}) {
        for (int64_t chunk : {kRows, int64_t(1), int64_t(7), int64_t(100), int64_t(300)}) {
            SCOPED_TRACE(std::to_string(threads) + " threads, chunks of " + std::to_string(chunk));
            const WeightMoments m = chunked(w, chunk, threads);
            EXPECT_EQ(m.mean(), base.mean()); // bit for bit, not near
            EXPECT_EQ(m.sigma(), base.sigma());
            EXPECT_EQ(m.count(), base.count());
        }
    }
}

TEST(WeightMoments, AgreesWithALongDoubleSum) {
    const auto w = weights();
    long double sum = 0, squares = 0;
    for (float x : w) {
        sum += x;
        squares += (long double)x * x;
    }
    const long double n = (long double)w.size(), mean = sum / n;
    const double sigma = double(std::sqrt(squares / n - mean * mean));
    const WeightMoments m = chunked(w, 64, 2);
    EXPECT_NEAR(m.mean(), double(mean), 1e-12 * std::fabs(double(mean)) + 1e-15);
    EXPECT_NEAR(m.sigma(), sigma, 1e-9 * sigma);
}

std::string errorOf(const std::vector<float>& w, int64_t chunk, int threads) {
    try {
        chunked(w, chunk, threads, "blk.3.attn_q.weight");
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

TEST(WeightMoments, NamesTheFirstNonFiniteInRowMajorOrder) {
    auto w = weights();
    const int64_t first = 401 * kCols + 3;
    w[size_t(first)] = std::nanf("");
    w[size_t(401 * kCols + 10)] = INFINITY; // later in the same row
    w[size_t(510 * kCols + 0)] = -INFINITY; // a later row, on another thread
    w[size_t(500 * kCols + 516)] = NAN;     // a later row's last element
    for (int threads : {1, 2, 4}) {
        for (int64_t chunk : {kRows, int64_t(7), int64_t(450)}) {
            const std::string what = errorOf(w, chunk, threads);
            SCOPED_TRACE(what);
            EXPECT_NE(what.find("blk.3.attn_q.weight"), std::string::npos);
            EXPECT_NE(what.find("NaN at element " + groupDigits(uint64_t(first)) + ";"),
                      std::string::npos);
        }
    }
    w[size_t(first)] = 1.0f;
    w[size_t(401 * kCols + 10)] = 1.0f;
    // Row 500 is now the first offending row: its NaN at the last element.
    const std::string what = errorOf(w, 7, 4);
    EXPECT_NE(what.find("NaN at element " + groupDigits(uint64_t(500 * kCols + 516)) + ";"),
              std::string::npos)
        << what;
    w[size_t(500 * kCols + 516)] = 1.0f;
    EXPECT_NE(errorOf(w, 100, 2).find("Inf at element " + groupDigits(uint64_t(510 * kCols))),
              std::string::npos);
}

} // namespace
} // namespace ql
