// Properties of the fit answer: monotone in context, tensor parallelism halves weights,
// the largest context is the boundary, headroom agrees with the verdict.
#include "engine/core/error.h"
#include "engine/fit/fit.h"
#include "tests/engine/fit_test_util.h"

#include <gtest/gtest.h>

namespace ql::fit {
namespace {

constexpr uint64_t kGiB = 1ull << 30;

FitRequest request(uint64_t gpuGiB, int64_t context, WeightFormat format) {
    FitRequest r;
    r.weights.format = format;
    r.context = context;
    r.gpuBytes = gpuGiB * kGiB;
    r.gpuName = "test";
    return r;
}

ModelShape llama70() {
    return test::configShape("meta-llama--Meta-Llama-3.1-70B_config.json");
}

TEST(FitReport, NeedGrowsWithContext) {
    QL_REQUIRE_DATA();
    const auto s = llama70();
    uint64_t previous = 0;
    for (int64_t ctx : {1, 512, 2048, 8192, 32768, 131072}) {
        const auto f = fitModel(s, request(80, ctx, WeightFormat::Int4G128));
        EXPECT_GE(f.neededBytes(), previous) << ctx;
        EXPECT_EQ(f.headroomBytes,
                  int64_t(f.gpuBytes - f.reservedBytes) - int64_t(f.neededBytes()));
        EXPECT_EQ(f.fits, f.headroomBytes >= 0);
        previous = f.neededBytes();
    }
}

TEST(FitReport, TensorParallelHalvesWeightsNotOverhead) {
    QL_REQUIRE_DATA();
    const auto s = llama70();
    auto r = request(80, 4096, WeightFormat::F16);
    const auto one = fitModel(s, r);
    r.tensorParallel = 2;
    const auto two = fitModel(s, r);
    EXPECT_EQ(two.weightBytes, (one.weightBytes + 1) / 2);
    EXPECT_EQ(two.kvBytes(), one.kvBytes() / 2);
    EXPECT_EQ(two.fixedBytes, one.fixedBytes);
    EXPECT_EQ(two.computeBytes, one.computeBytes);
    EXPECT_FALSE(one.fits); // 141 GB of f16 weights on one 80 GiB card
    EXPECT_TRUE(two.fits);
}

TEST(FitReport, MaxContextIsTheBoundary) {
    QL_REQUIRE_DATA();
    const auto s = llama70();
    auto r = request(48, 2048, WeightFormat::Int4G128);
    const auto f = fitModel(s, r);
    ASSERT_GT(f.maxContext, 2048);
    r.context = f.maxContext;
    EXPECT_TRUE(fitModel(s, r).fits);
    r.context = f.maxContext + 1;
    EXPECT_FALSE(fitModel(s, r).fits);
    r.context = 2048;
    r.batch = f.maxBatch;
    EXPECT_TRUE(fitModel(s, r).fits);
    r.batch = f.maxBatch + 1;
    EXPECT_FALSE(fitModel(s, r).fits);
}

TEST(FitReport, NothingFitsGivesZero) {
    QL_REQUIRE_DATA();
    const auto f = fitModel(llama70(), request(16, 2048, WeightFormat::F16));
    EXPECT_FALSE(f.fits);
    EXPECT_EQ(f.maxContext, 0);
    EXPECT_EQ(f.maxBatch, 0);
}

TEST(FitReport, VllmReservesItsUtilizationFraction) {
    QL_REQUIRE_DATA();
    auto r = request(80, 8192, WeightFormat::Fp8PerChannel);
    r.runtime = defaultProfile(Runtime::Vllm);
    const auto f = fitModel(llama70(), r);
    EXPECT_EQ(f.reservedBytes, 8 * kGiB);
    EXPECT_EQ(f.outputBytes, 0u);
    EXPECT_EQ(f.kvCells, 8192);
    // 67.7 GiB of weights (fp8 matrices, bf16 embeddings and lm_head) leave the 8192
    // tokens just out of reach of the 72 GiB vLLM may use: about 5.6k tokens fit.
    EXPECT_FALSE(f.fits);
    EXPECT_GT(f.maxContext, 4096);
    EXPECT_LT(f.maxContext, 8192);
    EXPECT_EQ(f.maxContext % 16, 0);
}

TEST(FitReport, LlamaCppRefusesQuantizedVWithoutFlashAttention) {
    QL_REQUIRE_DATA();
    auto r = request(80, 2048, WeightFormat::Q4_K);
    r.kvTypeV = WeightFormat::Q8_0;
    EXPECT_THROW(fitModel(llama70(), r), Error);
    setFlashAttention(r.runtime, true);
    const auto f = fitModel(llama70(), r);
    EXPECT_EQ(f.kvCells, 2048);
    EXPECT_EQ(f.kvVBytes, 80ull * 2048 * 1024 / 32 * 34);
}

} // namespace
} // namespace ql::fit
