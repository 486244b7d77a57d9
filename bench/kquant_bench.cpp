// K-quant and IQ4_NL encoding throughput on the same 4096 x 4096 f32 tensor as
// quantize_bench.cpp, as bytes of f32 input per second (main.cpp prints each as a ratio
// to BM_Memcpy of that buffer in the same run). The CPU backend runs on 2 threads; the
// single-thread Search1t rows compare every searched encoder in vector lanes with the
// scalar encoder it must equal byte for byte, and q4_k-lsq (Quantlens' own search, other
// bytes) runs its kernels on one thread. GB/s per thread
// (the unit of llama.cpp's test-quantize-perf, whose reference K-quant encoder does about 0.07 GB/s
// here) is the rate over the thread count in the name: *_2t rows / 2, *_1t rows as printed.
#include "bench/bench_inputs.h"
#include "engine/compute/backend.h"
#include "engine/quant/hqq.h"
#include "engine/quant/imatrix_quantize.h"
#include "engine/quant/kquant_encode.h"
#include "engine/quant/kquant_lsq.h"

#include <benchmark/benchmark.h>
#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr int64_t kRows = 4096, kCols = 4096;

// Gaussian weights with a few outliers, as in trained projections.
const std::vector<float>& weights() {
    static const std::vector<float> w = [] {
        std::vector<float> v(size_t(kRows * kCols));
        std::mt19937 rng(7);
        std::normal_distribution<float> g(0.0f, 0.02f);
        for (size_t i = 0; i < v.size(); ++i)
            v[i] = g(rng) * (i % 997 == 0 ? 20.0f : 1.0f);
        return v;
    }();
    return w;
}

void report(benchmark::State& state) {
    state.SetBytesProcessed(int64_t(state.iterations()) *
                            int64_t(weights().size() * sizeof(float)));
}

void BM_KQuantCpu(benchmark::State& state, ql::QuantFormat format) {
    const auto& src = weights();
    auto cpu = ql::makeCpuBackend(2);
    ql::QuantizedTensor out;
    for (auto _ : state) {
        cpu->quantize(format, src, kRows, kCols, out);
        benchmark::DoNotOptimize(out.packed.data());
    }
    report(state);
}

// One thread, rows in a loop over the whole tensor, for q4_k-lsq's kernels. bytesPer256:
// the encoded size of 256 values.
void encodeRows1t(benchmark::State& state, void (*encodeRow)(const float*, std::byte*, int64_t),
                  size_t bytesPer256 = sizeof(ql::BlockQ4_K)) {
    const auto& src = weights();
    std::vector<std::byte> dst(size_t(kRows) * size_t(kCols / 256) * bytesPer256);
    const size_t rowBytes = dst.size() / size_t(kRows);
    for (auto _ : state) {
        for (int64_t r = 0; r < kRows; ++r)
            encodeRow(src.data() + r * kCols, dst.data() + size_t(r) * rowBytes, kCols);
        benchmark::DoNotOptimize(dst.data());
    }
    report(state);
}

// One thread, the first kSearchRows rows: a searched encoder as ggml's algorithm is
// written (Search1t/<type>/scalar) against the same encoder with its searches in the
// widest vector lanes this CPU has (/lanes), which must write the same bytes
// (cpu_simd_property_test). "+imatrix": with the importance vector of bench_inputs.h. The ratio
// lanes / scalar is the speedup.
constexpr int64_t kSearchRows = 512;

void searchRows1t(benchmark::State& state, ql::DType type, bool imatrix, bool lanes) {
    const auto& src = weights();
    const float* imp = imatrix ? ql::bench::importance4096().data() : nullptr;
    const auto& info = ql::dtypeInfo(type);
    const size_t rowBytes = size_t(kCols / info.blockSize) * size_t(info.typeSize);
    std::vector<std::byte> dst(size_t(kSearchRows) * rowBytes);
    const auto scalar = info.blockSize == 256 || type == ql::DType::IQ4_NL
                            ? ql::kquantRowEncoder(type)
                            : ql::importanceRowEncoder(type);
    for (auto _ : state) {
        for (int64_t r = 0; r < kSearchRows; ++r) {
            std::byte* out = dst.data() + size_t(r) * rowBytes;
            if (lanes)
                ql::quantizeRowInLanes(type, src.data() + r * kCols, out, kCols, imp,
                                       ql::detectedSimdLevel());
            else
                scalar(src.data() + r * kCols, out, kCols, imp);
        }
        benchmark::DoNotOptimize(dst.data());
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * kSearchRows * kCols *
                            int64_t(sizeof(float)));
}

const bool kSearchesRegistered = [] {
    using ql::DType;
    const struct {
        DType type;
        bool imatrix;
    } cases[] = {
        {DType::Q2_K, false}, {DType::Q3_K, false},   {DType::Q4_K, false}, {DType::Q5_K, false},
        {DType::Q6_K, false}, {DType::IQ4_NL, false}, {DType::Q2_K, true},  {DType::Q3_K, true},
        {DType::Q4_K, true},  {DType::Q5_K, true},    {DType::Q6_K, true},  {DType::IQ4_NL, true},
        {DType::Q4_0, true},  {DType::Q4_1, true},    {DType::Q5_0, true},  {DType::Q5_1, true}};
    for (const auto& c : cases)
        for (bool lanes : {false, true}) {
            const std::string name = "Search1t/" + std::string(ql::dtypeInfo(c.type).name) +
                                     (c.imatrix ? "+imatrix/" : "/") + (lanes ? "lanes" : "scalar");
            benchmark::RegisterBenchmark(
                name.c_str(),
                [c, lanes](benchmark::State& s) { searchRows1t(s, c.type, c.imatrix, lanes); })
                ->Unit(benchmark::kMillisecond)
                ->UseRealTime();
        }
    return true;
}();

// One thread, the first kSearchRows rows in HQQ's solver: its groups one at a time
// (Hqq1t/<format>/scalar, the reference) against kLanes groups per vector (/lanes), the
// same codes and zeros (hqq_formats_test). libm's powf, called per value either way,
// bounds the gain.
void hqqRows1t(benchmark::State& state, ql::QuantFormat format, bool lanes) {
    const std::span<const float> src(weights().data(), size_t(kSearchRows * kCols));
    ql::QuantizedTensor out;
    for (auto _ : state) {
        ql::quantizeHqq(format, src, kSearchRows, kCols, out, {}, 1,
                        lanes ? ql::detectedSimdLevel() : ql::SimdLevel::Scalar);
        benchmark::DoNotOptimize(out.codes.data());
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * kSearchRows * kCols *
                            int64_t(sizeof(float)));
}

const bool kHqqRegistered = [] {
    for (bool lanes : {false, true}) {
        const std::string name = std::string("Hqq1t/hqq-int4-g64/") + (lanes ? "lanes" : "scalar");
        benchmark::RegisterBenchmark(
            name.c_str(),
            [lanes](benchmark::State& s) { hqqRows1t(s, ql::QuantFormat::HqqInt4G64, lanes); })
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
    }
    return true;
}();

void BM_Q4_KLsq1t(benchmark::State& state) {
    encodeRows1t(state, [](const float* x, std::byte* dst, int64_t n) {
        ql::quantizeRowQ4_KLsq(x, dst, n);
    });
}

} // namespace

BENCHMARK_CAPTURE(BM_KQuantCpu, Q2_K_cpu_2t, ql::QuantFormat::Q2_K)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_KQuantCpu, Q3_K_cpu_2t, ql::QuantFormat::Q3_K)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_KQuantCpu, Q4_K_cpu_2t, ql::QuantFormat::Q4_K)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_KQuantCpu, Q4_K_lsq_cpu_2t, ql::QuantFormat::Q4_KLsq)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_KQuantCpu, Q5_K_cpu_2t, ql::QuantFormat::Q5_K)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_KQuantCpu, Q6_K_cpu_2t, ql::QuantFormat::Q6_K)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_KQuantCpu, IQ4_NL_cpu_2t, ql::QuantFormat::IQ4_NL)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_Q4_KLsq1t)->Unit(benchmark::kMillisecond)->UseRealTime();
