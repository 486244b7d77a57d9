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
//   Quantize4096/<format>/cpu_2t   the CPU backend with two threads, and cpu_<N>t with all
//                                  N hardware threads where N > 2 (allThreads).
// The baseline is BM_Memcpy (quantize_bench.cpp) in the same run; bench/main.cpp prints
// every rate as a ratio to it.
//   QuantizeImatrix4096/<format>/{vulkan,cpu_2t}   the same with an importance vector (one
//                                  log-uniform weight per column, as an imatrix holds) for
//                                  every format that takes one; `<format>+imatrix` lines. At exit
//                                  this file prints one `vulkan_vs_cpu` line per
// format that ran on the device (vulkan / cpu_2t in the same run, and the device's memory
// traffic, input plus output bytes over device time; HQQ's input counted once per
// dispatch, as each of its rounds reads the weights again), which scripts/gpu-check.sh turns
// into a fraction of the card's bandwidth. Formats the device does not run are reported
// as skipped with the backend's reason.
#include "bench/bench_inputs.h"
#include "engine/compute/backend.h"
#include "engine/compute/vulkan/vulkan_backend.h"
#include "engine/quant/hqq.h"

#include <algorithm>
#include <benchmark/benchmark.h>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <thread>
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

// What one benchmark quantizes: a format, with or without the importance vector.
struct Job {
    ql::QuantFormat format;
    bool imatrix;
    std::string name() const {
        return std::string(ql::quantFormatInfo(format).name) + (imatrix ? "+imatrix" : "");
    }
    void run(ql::ComputeBackend& backend, ql::QuantizedTensor& out) const {
        const auto& src = vulkanBenchWeights();
        if (imatrix)
            backend.quantizeWithImportance(format, src, kRows, kCols,
                                           {ql::bench::importance4096(), {}}, out);
        else
            backend.quantize(format, src, kRows, kCols, out);
    }
};

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
    double vulkan = 0, device = 0, deviceTraffic = 0, cpu = 0, cpuAll = 0; // GB/s
};

// The machine's hardware threads: beside cpu_2t (comparable across machines), a line
// cpu_<N>t with all of them where there are more than 2, which is what a device must
// beat on that machine. QUANTLENS_BENCH_CPU_THREADS overrides N.
int allThreads() {
    if (const char* env = std::getenv("QUANTLENS_BENCH_CPU_THREADS"))
        return std::max(1, std::atoi(env));
    return int(std::max(1u, std::thread::hardware_concurrency()));
}

class Summary {
public:
    std::map<std::string, Rates> rates;
    ~Summary() {
        for (const auto& [name, r] : rates)
            if (r.vulkan > 0)
                std::printf("vulkan_vs_cpu %s vulkan_GBps=%.3f device_GBps=%.3f "
                            "device_traffic_GBps=%.3f cpu_2t_GBps=%.3f vulkan_over_cpu=%.3f "
                            "cpu_all_threads=%d cpu_all_GBps=%.3f vulkan_over_cpu_all=%.3f\n",
                            name.c_str(), r.vulkan, r.device, r.deviceTraffic, r.cpu,
                            r.cpu > 0 ? r.vulkan / r.cpu : 0.0, allThreads(), r.cpuAll,
                            r.cpuAll > 0 ? r.vulkan / r.cpuAll : 0.0);
    }
};
Summary& summary() {
    static Summary s;
    return s;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void vulkanQuantize(benchmark::State& state, Job job) {
    ql::VulkanBackend* vulkan = benchVulkan();
    if (!vulkan) {
        state.SkipWithError("no Vulkan device");
        return;
    }
    const ql::Support s = job.imatrix ? vulkan->supportsImportance(job.format, kRows, kCols)
                                      : vulkan->supports(job.format, kRows, kCols);
    if (!s.ok) {
        state.SkipWithError(("unsupported: " + s.reason).c_str());
        return;
    }
    ql::QuantizedTensor out;
    job.run(*vulkan, out); // warm buffers
    double deviceSeconds = 0;
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        job.run(*vulkan, out);
        deviceSeconds += vulkan->lastDeviceSeconds();
        benchmark::DoNotOptimize(out.packed.data());
        benchmark::DoNotOptimize(out.codes.data());
    }
    const double wall = secondsSince(start);
    state.SetBytesProcessed(inputBytes(state));
    Rates& r = summary().rates[job.name()];
    r.vulkan = double(inputBytes(state)) / wall / 1e9;
    if (deviceSeconds > 0) {
        r.device = double(inputBytes(state)) / deviceSeconds / 1e9;
        // HQQ reads the weights once per dispatch: the start, each round, the codes.
        const int passes = ql::isHqqFormat(job.format) ? vulkan->lastHqqRounds() + 2 : 1;
        r.deviceTraffic = double(state.iterations()) *
                          double(uint64_t(passes * kRows * kCols * 4) + outputBytes(out)) /
                          deviceSeconds / 1e9;
        state.counters["device_GBps"] = r.device;
    }
    state.SetLabel(vulkan->deviceName() + " [" + vulkan->kernelChoices() + "]");
}

void cpuQuantize(benchmark::State& state, Job job, int threads) {
    auto cpu = ql::makeCpuBackend(threads);
    ql::QuantizedTensor out;
    // The inputs are made once, at first use: outside the timed loop, or the first line a
    // filter selects would count making 16M random weights as quantizing them.
    vulkanBenchWeights();
    ql::bench::importance4096();
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        job.run(*cpu, out);
        benchmark::DoNotOptimize(out.packed.data());
        benchmark::DoNotOptimize(out.codes.data());
    }
    Rates& r = summary().rates[job.name()];
    (threads == 2 ? r.cpu : r.cpuAll) = double(inputBytes(state)) / secondsSince(start) / 1e9;
    state.SetBytesProcessed(inputBytes(state));
}

// Registered from the format table, so that formats added later are benchmarked too.
const bool kRegistered = [] {
    std::vector<Job> jobs;
    for (const auto& info : ql::quantFormats())
        jobs.push_back({info.format, false});
    for (const auto& info : ql::quantFormats())
        if (ql::takesImportance(info.format))
            jobs.push_back({info.format, true});
    for (const Job& job : jobs) {
        const std::string base = (job.imatrix ? "QuantizeImatrix4096/" : "Quantize4096/") +
                                 std::string(ql::quantFormatInfo(job.format).name) + "/";
        benchmark::RegisterBenchmark((base + "vulkan").c_str(),
                                     [job](benchmark::State& s) { vulkanQuantize(s, job); })
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
        benchmark::RegisterBenchmark((base + "cpu_2t").c_str(),
                                     [job](benchmark::State& s) { cpuQuantize(s, job, 2); })
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
        const int all = allThreads();
        if (all > 2)
            benchmark::RegisterBenchmark(
                (base + "cpu_" + std::to_string(all) + "t").c_str(),
                [job, all](benchmark::State& s) { cpuQuantize(s, job, all); })
                ->Unit(benchmark::kMillisecond)
                ->UseRealTime();
    }
    return true;
}();

} // namespace
