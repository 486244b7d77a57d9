// Vulkan INT8 per-channel quantization of a 4096 x 4096 f32 tensor (64 MiB), end to end
// (upload into host-visible memory, dispatch, fence, unpack), as bytes of f32 input per
// second. The baseline is BM_Memcpy (quantize_bench.cpp): memcpy of a buffer of the
// same size in the same run; bench/main.cpp prints the ratio.
#include "engine/compute/backend.h"

#include <benchmark/benchmark.h>
#include <iostream>
#include <random>
#include <vector>

namespace {

constexpr int64_t kRows = 4096, kCols = 4096;

const std::vector<float>& vulkanBenchWeights() {
    static const std::vector<float> w = [] {
        std::vector<float> v(size_t(kRows * kCols));
        std::mt19937 rng(7);
        std::normal_distribution<float> n(0.0f, 0.02f);
        for (auto& x : v)
            x = n(rng);
        return v;
    }();
    return w;
}

ql::ComputeBackend* benchVulkan() {
    static ql::VulkanProbe probe = [] {
        ql::VulkanProbe p = ql::makeVulkanBackend();
        std::cerr << "vulkan_bench: " << p.message << "\n";
        return p;
    }();
    return probe.backend.get();
}

void vulkanQuantize(benchmark::State& state, ql::QuantFormat format) {
    ql::ComputeBackend* vulkan = benchVulkan();
    if (!vulkan) {
        state.SkipWithError("no Vulkan device");
        return;
    }
    const auto& src = vulkanBenchWeights();
    ql::QuantizedTensor out;
    vulkan->quantize(format, src, kRows, kCols, out); // warm buffers
    for (auto _ : state) {
        vulkan->quantize(format, src, kRows, kCols, out);
        benchmark::DoNotOptimize(out.codes.data());
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(src.size() * sizeof(float)));
    state.SetLabel(vulkan->deviceName());
}

BENCHMARK_CAPTURE(vulkanQuantize, Int8PerChannel_vulkan, ql::QuantFormat::Int8PerChannel)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(vulkanQuantize, Int4G128_vulkan, ql::QuantFormat::Int4G128)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

} // namespace
