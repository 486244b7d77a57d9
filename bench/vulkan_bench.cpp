// Vulkan against the CPU for every format of the table, on a 4096 x 4096 f32 tensor
// (64 MiB), as bytes of f32 input per second:
//   Quantize4096/<format>/vulkan   end to end: copy into host-visible memory (and, on a
//                                  discrete GPU, the staging copies to and from device-local
//                                  buffers), dispatch, fence, unpack into the
//                                  QuantizedTensor. Counter device_GBps: the same bytes over
//                                  the device time alone (GPU timestamps around the
//                                  dispatches, staging copies excluded), which is what
//                                  compares with the card's memory bandwidth.
// The first line names the device and its kernel choices (memory placement, group layout;
// engine/compute/vulkan/kernel_choice.h); QUANTLENS_VULKAN_FORCE_STAGING and
// QUANTLENS_VULKAN_GROUP_LAYOUT change them for a comparison in the same session.
//   Quantize4096/<format>/cpu_2t   the CPU backend with two threads.
// The baseline is BM_Memcpy (quantize_bench.cpp) in the same run; bench/main.cpp prints
// every rate as a ratio to it. At exit this file prints one `vulkan_vs_cpu` line per
// format that ran on the device (vulkan / cpu_2t in the same run, and the device's memory
// traffic, input plus output bytes over device time), which scripts/gpu-check.sh turns
// into a fraction of the card's bandwidth. Formats the device does not run are reported
// as skipped with the backend's reason.
#include "engine/compute/backend.h"
#include "engine/compute/vulkan/vulkan_backend.h"

#include <benchmark/benchmark.h>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <random>
#include <string>
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

ql::VulkanBackend* benchVulkan() {
    static ql::VulkanProbe probe = [] {
        ql::VulkanProbe p = ql::makeVulkanBackend();
        std::cerr << "vulkan_bench: " << p.message << "\n";
        return p;
    }();
    return dynamic_cast<ql::VulkanBackend*>(probe.backend.get());
}

int64_t inputBytes(const benchmark::State& state) {
    return int64_t(state.iterations()) * kRows * kCols * int64_t(sizeof(float));
}

uint64_t outputBytes(const ql::QuantizedTensor& q) {
    return q.packed.size() + q.codes.size() + (q.scales.size() + q.zeros.size()) * sizeof(float);
}

// Rates per format, timed around the benchmark loops, printed when the program ends.
struct Rates {
    double vulkan = 0, device = 0, deviceTraffic = 0, cpu = 0; // GB/s
};

class Summary {
public:
    std::map<std::string, Rates> rates;
    ~Summary() {
        for (const auto& [name, r] : rates)
            if (r.vulkan > 0)
                std::printf("vulkan_vs_cpu %s vulkan_GBps=%.3f device_GBps=%.3f "
                            "device_traffic_GBps=%.3f cpu_2t_GBps=%.3f vulkan_over_cpu=%.3f\n",
                            name.c_str(), r.vulkan, r.device, r.deviceTraffic, r.cpu,
                            r.cpu > 0 ? r.vulkan / r.cpu : 0.0);
    }
};
Summary& summary() {
    static Summary s;
    return s;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void vulkanQuantize(benchmark::State& state, ql::QuantFormat format) {
    ql::VulkanBackend* vulkan = benchVulkan();
    if (!vulkan) {
        state.SkipWithError("no Vulkan device");
        return;
    }
    if (ql::Support s = vulkan->supports(format, kRows, kCols); !s.ok) {
        state.SkipWithError(("unsupported: " + s.reason).c_str());
        return;
    }
    const auto& src = vulkanBenchWeights();
    ql::QuantizedTensor out;
    vulkan->quantize(format, src, kRows, kCols, out); // warm buffers
    double deviceSeconds = 0;
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        vulkan->quantize(format, src, kRows, kCols, out);
        deviceSeconds += vulkan->lastDeviceSeconds();
        benchmark::DoNotOptimize(out.packed.data());
        benchmark::DoNotOptimize(out.codes.data());
    }
    const double wall = secondsSince(start);
    state.SetBytesProcessed(inputBytes(state));
    Rates& r = summary().rates[std::string(ql::quantFormatInfo(format).name)];
    r.vulkan = double(inputBytes(state)) / wall / 1e9;
    if (deviceSeconds > 0) {
        r.device = double(inputBytes(state)) / deviceSeconds / 1e9;
        r.deviceTraffic = double(state.iterations()) *
                          double(uint64_t(kRows * kCols * 4) + outputBytes(out)) / deviceSeconds /
                          1e9;
        state.counters["device_GBps"] = r.device;
    }
    state.SetLabel(vulkan->deviceName() + " [" + vulkan->kernelChoices() + "]");
}

void cpuQuantize(benchmark::State& state, ql::QuantFormat format) {
    const auto& src = vulkanBenchWeights();
    auto cpu = ql::makeCpuBackend(2);
    ql::QuantizedTensor out;
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        cpu->quantize(format, src, kRows, kCols, out);
        benchmark::DoNotOptimize(out.packed.data());
        benchmark::DoNotOptimize(out.codes.data());
    }
    summary().rates[std::string(ql::quantFormatInfo(format).name)].cpu =
        double(inputBytes(state)) / secondsSince(start) / 1e9;
    state.SetBytesProcessed(inputBytes(state));
}

// Registered from the format table, so that formats added later are benchmarked too.
const bool kRegistered = [] {
    for (const auto& info : ql::quantFormats()) {
        const std::string base = "Quantize4096/" + std::string(info.name) + "/";
        const ql::QuantFormat f = info.format;
        benchmark::RegisterBenchmark((base + "vulkan").c_str(),
                                     [f](benchmark::State& s) { vulkanQuantize(s, f); })
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
        benchmark::RegisterBenchmark((base + "cpu_2t").c_str(),
                                     [f](benchmark::State& s) { cpuQuantize(s, f); })
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
    }
    return true;
}();

} // namespace
