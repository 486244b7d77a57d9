// The analysis pass on threads: whatever the thread count and the row chunking, every
// figure is the same double, bit for bit (fixed blocks of rows, merged in block order), and
// the histograms and outlier counts are the same integers as a one-thread pass.
#include "engine/jobs/quantize_job.h"
#include "engine/model/safetensors_writer.h"
#include "engine/quant/metrics.h"
#include "tests/common/temp_dir.h"

#include <cstring>
#include <gtest/gtest.h>
#include <random>

namespace ql {
namespace {

std::vector<float> peakedWeights(int64_t rows, int64_t cols, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.0f, 0.02f);
    std::vector<float> w(size_t(rows * cols));
    for (auto& v : w)
        v = d(rng);
    for (int64_t r = 0; r < rows; r += 13)
        w[size_t(r * cols + (r * 31) % cols)] = 0.4f; // 20-sigma outliers in a few columns
    return w;
}

bool sameBits(double a, double b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

void expectSameMetrics(const ErrorMetrics& a, const ErrorMetrics& b, const std::string& where) {
    EXPECT_TRUE(sameBits(a.rmse, b.rmse)) << where;
    EXPECT_TRUE(sameBits(a.relFrobenius, b.relFrobenius)) << where;
    EXPECT_TRUE(sameBits(a.snrDb, b.snrDb)) << where;
    EXPECT_TRUE(sameBits(a.cosine, b.cosine)) << where;
    EXPECT_TRUE(sameBits(a.maxAbsError, b.maxAbsError)) << where;
    EXPECT_TRUE(sameBits(a.sumSquaredError, b.sumSquaredError)) << where;
    EXPECT_TRUE(sameBits(a.sumSquaredWeight, b.sumSquaredWeight)) << where;
    EXPECT_EQ(a.bytes, b.bytes) << where;
}

struct Result {
    ErrorMetrics metrics;
    TensorAnalysis analysis;
};

// Quantized as a whole (so every run analyses the same codes), analysed in chunks of
// `step` rows on `threads` threads, as the quantize job feeds it.
Result analyse(const std::vector<float>& w, int64_t rows, int64_t cols, int64_t step, int threads) {
    const QuantFormat f = QuantFormat::Int4G32;
    QuantizedTensor whole;
    quantizeReference(f, w, rows, cols, whole);
    WeightMoments moments;
    moments.add(w);
    TensorErrorAnalyzer analyzer(rows, cols, moments, threads);
    std::vector<float> chunkDequant;
    for (int64_t r = 0; r < rows; r += step) {
        const int64_t n = std::min(step, rows - r);
        const auto chunk = std::span(w).subspan(size_t(r * cols), size_t(n * cols));
        QuantizedTensor q;
        quantizeReference(f, chunk, n, cols, q); // per-row groups: the same codes as whole
        analyzer.add(r, chunk, q);
    }
    return {analyzer.metrics(f), analyzer.analysis(f)};
}

TEST(AnalysisThreads, BitIdenticalForAnyThreadsAndChunks) {
    const int64_t rows = 300, cols = 700; // 93 rows per block: four blocks, the last short
    ASSERT_EQ(analysisBlockRows(cols), 93);
    const auto w = peakedWeights(rows, cols, 5);
    const Result base = analyse(w, rows, cols, rows, 1);
    EXPECT_GT(base.analysis.outliers.beyondK6, 0);
    for (int threads : {1, 2, 4})
        for (int64_t step : {int64_t(1), int64_t(7), int64_t(93), int64_t(100), rows}) {
            const std::string where =
                std::to_string(threads) + " threads, " + std::to_string(step) + " rows per chunk";
            const Result r = analyse(w, rows, cols, step, threads);
            expectSameMetrics(r.metrics, base.metrics, where);
            EXPECT_EQ(r.analysis, base.analysis) << where;
        }
}

TEST(AnalysisThreads, RowsWiderThanABlockAreOneRowPerBlock) {
    const int64_t rows = 9, cols = 70000;
    EXPECT_EQ(analysisBlockRows(cols), 1);
    const auto w = peakedWeights(rows, cols, 9);
    const Result base = analyse(w, rows, cols, rows, 1);
    for (int threads : {2, 4})
        for (int64_t step : {int64_t(1), int64_t(4)}) {
            const Result r = analyse(w, rows, cols, step, threads);
            expectSameMetrics(r.metrics, base.metrics, std::to_string(threads));
            EXPECT_EQ(r.analysis, base.analysis);
        }
}

TEST(AnalysisThreads, OneBlockSumsInElementOrderAsMeasureError) {
    const int64_t rows = 40, cols = 64; // 2 560 weights: one block
    const auto w = peakedWeights(rows, cols, 3);
    QuantizedTensor q;
    quantizeReference(QuantFormat::Int4G32, w, rows, cols, q);
    const Result r = analyse(w, rows, cols, 3, 4);
    expectSameMetrics(r.metrics, measureError(w, q), "one block");
}

TEST(AnalysisThreads, QuantizeJobStoresTheSameFiguresOnAnyThreadCount) {
    test::TempDir dir;
    const int64_t rows = 300, cols = 700;
    const auto w = peakedWeights(rows, cols, 17);
    std::vector<std::byte> bytes(w.size() * 4);
    std::memcpy(bytes.data(), w.data(), bytes.size());
    writeSafetensors(dir / "m.safetensors", {{"proj.weight", "F32", {rows, cols}, bytes}});
    std::vector<QuantizeOutcome> runs;
    for (int threads : {1, 2, 4})
        for (int64_t chunkWeights : {int64_t(700), int64_t(700 * 50), int64_t(1) << 22}) {
            Workspace ws(":memory:");
            BackendSet backends(BackendSet::Preference::Cpu);
            JobContext ctx;
            QuantizeRequest request{dir / "m.safetensors", QuantFormat::Int4G32, {}};
            request.threads = threads;
            request.chunkWeights = chunkWeights;
            runs.push_back(quantizeModel(request, ws, backends, ctx));
        }
    const auto& first = runs.front().metrics.at(0);
    for (const auto& run : runs) {
        ASSERT_EQ(run.metrics.size(), 1u);
        expectSameMetrics(run.metrics[0].metrics, first.metrics, "job");
        EXPECT_EQ(*run.metrics[0].analysis, *first.analysis);
    }
}

} // namespace
} // namespace ql
