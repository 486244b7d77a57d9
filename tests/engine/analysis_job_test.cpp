// The error analysis as the quantize job produces and stores it: chunking does not
// change it, it survives the workspace, and it works on a bare safetensors file.
#include "engine/core/half.h"
#include "engine/jobs/quantize_job.h"
#include "engine/model/safetensors_writer.h"
#include "engine/quant/error_histogram.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <cstring>
#include <gtest/gtest.h>
#include <numeric>
#include <random>

namespace ql {
namespace {

QuantizeOutcome quantize(const std::filesystem::path& model, QuantFormat f, Workspace& ws,
                         int64_t chunkWeights = int64_t(1) << 22) {
    BackendSet backends(BackendSet::Preference::Cpu);
    JobContext ctx;
    QuantizeRequest request{model, f, {}};
    request.chunkWeights = chunkWeights;
    return quantizeModel(request, ws, backends, ctx);
}

void expectSameMetrics(const ErrorMetrics& a, const ErrorMetrics& b, const std::string& name) {
    EXPECT_EQ(a.rmse, b.rmse) << name;
    EXPECT_EQ(a.relFrobenius, b.relFrobenius) << name;
    EXPECT_EQ(a.cosine, b.cosine) << name;
    EXPECT_EQ(a.maxAbsError, b.maxAbsError) << name;
    EXPECT_EQ(a.sumSquaredError, b.sumSquaredError) << name;
    EXPECT_EQ(a.sumSquaredWeight, b.sumSquaredWeight) << name;
}

TEST(AnalysisJob, Stories260KAnalysisDoesNotDependOnChunking) {
    QL_REQUIRE_DATA();
    test::TempDir dir;
    Workspace ws(dir / "ws.quantlens");
    const auto whole = quantize(test::stories260K(), QuantFormat::Int4G32, ws);
    // One row per chunk, and chunks of 5 rows of 64 columns (3 of 172).
    for (int64_t chunk : {int64_t(1), int64_t(320)}) {
        const auto chunked = quantize(test::stories260K(), QuantFormat::Int4G32, ws, chunk);
        ASSERT_EQ(chunked.metrics.size(), whole.metrics.size());
        for (size_t i = 0; i < whole.metrics.size(); ++i) {
            const auto& a = whole.metrics[i];
            const auto& b = chunked.metrics[i];
            expectSameMetrics(a.metrics, b.metrics, a.tensor);
            ASSERT_TRUE(a.analysis && b.analysis);
            EXPECT_EQ(*a.analysis, *b.analysis) << a.tensor << " chunk " << chunk;
        }
    }
}

TEST(AnalysisJob, Stories260KAnalysisIsStoredAndRanked) {
    QL_REQUIRE_DATA();
    test::TempDir dir;
    const auto file = dir / "ws.quantlens";
    QuantizeOutcome out;
    {
        Workspace ws(file);
        out = quantize(test::stories260K(), QuantFormat::Q4_0, ws);
    }
    Workspace ws(file);
    const auto stored = ws.tensorMetrics(out.variantId);
    ASSERT_EQ(stored.size(), out.metrics.size());
    double sse = 0;
    for (size_t i = 0; i < stored.size(); ++i) {
        ASSERT_TRUE(stored[i].analysis) << stored[i].tensor;
        EXPECT_EQ(*stored[i].analysis, *out.metrics[i].analysis) << stored[i].tensor;
        EXPECT_EQ(stored[i].metrics.sumSquaredError, out.metrics[i].metrics.sumSquaredError);
        const auto& h = stored[i].analysis->errorHistogram;
        EXPECT_EQ(std::accumulate(h.begin(), h.end(), int64_t(0)), stored[i].rows * stored[i].cols);
        sse += stored[i].metrics.sumSquaredError;
    }
    const SensitivityRanking r = ws.sensitivity(out.variantId);
    EXPECT_DOUBLE_EQ(r.totalSquaredError, sse);
    ASSERT_EQ(r.byBlock.size(), 7u); // embed, 5 blocks, output
    ASSERT_EQ(r.byKind.size(), 9u);  // token_embd, 7 projections, output
    ASSERT_EQ(r.byTensor.size(), 37u);
    for (const auto* groups : {&r.byTensor, &r.byBlock, &r.byKind}) {
        double sum = 0;
        for (const GroupError& g : *groups)
            sum += g.share;
        EXPECT_NEAR(sum, 1.0, 1e-12);
    }
    EXPECT_EQ(ws.histogramEdges(std::string(errorHistogramScheme().name)),
              errorHistogramScheme().edges);
    EXPECT_EQ(ws.histogramEdges(std::string(weightHistogramScheme().name)),
              weightHistogramScheme().edges);
}

std::vector<std::byte> bytesOf(const std::vector<float>& v) {
    std::vector<std::byte> out(v.size() * 4);
    std::memcpy(out.data(), v.data(), out.size());
    return out;
}

std::vector<std::byte> f16BytesOf(const std::vector<float>& v) {
    std::vector<std::byte> out(v.size() * 2);
    for (size_t i = 0; i < v.size(); ++i) {
        const uint16_t h = floatToHalf(v[i]);
        std::memcpy(out.data() + 2 * i, &h, 2);
    }
    return out;
}

std::vector<float> randomWeights(size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, 0.05f);
    std::vector<float> w(n);
    for (float& v : w)
        v = dist(rng);
    return w;
}

TEST(AnalysisJob, BareSafetensorsWithoutConfigQuantizesEveryMatrix) {
    test::TempDir dir;
    // No config.json and no architecture: names are made up, one is 1-D, one is F16.
    writeSafetensors(dir / "model.safetensors",
                     {{"encoder.proj.weight", "F32", {48, 64}, bytesOf(randomWeights(48 * 64, 1))},
                      {"encoder.norm.weight", "F32", {64}, bytesOf(randomWeights(64, 2))},
                      {"head.weight", "F16", {10, 96}, f16BytesOf(randomWeights(10 * 96, 3))}});
    Workspace ws(dir / "ws.quantlens");
    const auto out = quantize(dir / "model.safetensors", QuantFormat::Int8PerChannel, ws);
    ASSERT_EQ(out.metrics.size(), 2u);
    EXPECT_EQ(out.metrics[0].tensor, "encoder.proj.weight");
    EXPECT_EQ(out.metrics[1].sourceDType, "F16");
    for (const auto& t : out.metrics) {
        ASSERT_TRUE(t.analysis);
        EXPECT_GT(t.metrics.sumSquaredError, 0.0);
    }
    const SensitivityRanking r = ws.sensitivity(out.variantId);
    ASSERT_EQ(r.byKind.size(), 2u);
    EXPECT_NEAR(r.byKind[0].share + r.byKind[1].share, 1.0, 1e-12);
    EXPECT_EQ(r.byBlock.size(), 1u); // no blocks: everything is "other"
}

} // namespace
} // namespace ql
