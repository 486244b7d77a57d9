// K-quant and IQ4_NL encoding throughput on the same 4096 x 4096 f32 tensor as
// quantize_bench.cpp, as bytes of f32 input per second (main.cpp prints each as a ratio
// to BM_Memcpy of that buffer in the same run). The CPU backend runs on 2 threads; the
// single-thread rows compare the vectorised Q4_K path with the scalar encoder it must
// equal byte for byte, and q4_k-lsq (Quantlens' own search, other bytes) with both. GB/s per thread
// (the unit of llama.cpp's test-quantize-perf, whose reference K-quant encoder does about 0.07 GB/s
// here) is the rate over the thread count in the name: *_2t rows / 2, *_1t rows as printed.
#include "engine/compute/backend.h"
#include "engine/quant/kquant_encode.h"
#include "engine/quant/kquant_lsq.h"

#include <benchmark/benchmark.h>
#include <random>
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

// One thread, rows in a loop over the whole tensor: the scalar Q4_K, Q5_K, Q6_K and IQ4_NL
// encoders (ggml's algorithm as written), the vectorised ones with their bytes, and
// q4_k-lsq's kernels. bytesPer256: the encoded size of 256 values.
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

void BM_Q4_KScalar1t(benchmark::State& state) {
    encodeRows1t(state, [](const float* x, std::byte* dst, int64_t n) {
        ql::quantizeRowQ4_K(x, dst, n, nullptr);
    });
}

void BM_Q4_KFast1t(benchmark::State& state) {
    encodeRows1t(state, [](const float* x, std::byte* dst, int64_t n) {
        ql::quantizeRowQ4_KFast(x, dst, n);
    });
}

void BM_Q5_KScalar1t(benchmark::State& state) {
    encodeRows1t(
        state,
        [](const float* x, std::byte* dst, int64_t n) { ql::quantizeRowQ5_K(x, dst, n, nullptr); },
        sizeof(ql::BlockQ5_K));
}

void BM_Q5_KFast1t(benchmark::State& state) {
    encodeRows1t(
        state,
        [](const float* x, std::byte* dst, int64_t n) { ql::quantizeRowQ5_KFast(x, dst, n); },
        sizeof(ql::BlockQ5_K));
}

void BM_Q6_KScalar1t(benchmark::State& state) {
    encodeRows1t(
        state,
        [](const float* x, std::byte* dst, int64_t n) { ql::quantizeRowQ6_K(x, dst, n, nullptr); },
        sizeof(ql::BlockQ6_K));
}

void BM_Q6_KFast1t(benchmark::State& state) {
    encodeRows1t(
        state,
        [](const float* x, std::byte* dst, int64_t n) { ql::quantizeRowQ6_KFast(x, dst, n); },
        sizeof(ql::BlockQ6_K));
}

void BM_IQ4_NLScalar1t(benchmark::State& state) {
    encodeRows1t(
        state,
        [](const float* x, std::byte* dst, int64_t n) {
            ql::quantizeRowIQ4_NL(x, dst, n, nullptr);
        },
        sizeof(ql::BlockIQ4_NL) * 8); // 8 blocks of 32 per 256 values
}

void BM_IQ4_NLFast1t(benchmark::State& state) {
    encodeRows1t(
        state,
        [](const float* x, std::byte* dst, int64_t n) { ql::quantizeRowIQ4_NLFast(x, dst, n); },
        sizeof(ql::BlockIQ4_NL) * 8);
}

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
BENCHMARK(BM_Q4_KScalar1t)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Q4_KFast1t)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Q5_KScalar1t)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Q5_KFast1t)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Q6_KScalar1t)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Q6_KFast1t)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_IQ4_NLScalar1t)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_IQ4_NLFast1t)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Q4_KLsq1t)->Unit(benchmark::kMillisecond)->UseRealTime();
