// quantlens_bench: Google Benchmark main that, after the usual table, prints every
// benchmark's throughput as a ratio to the memcpy baseline measured in the same run.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>
#include <unistd.h>

namespace {

class RatioReporter : public benchmark::ConsoleReporter {
public:
    // Colour only on a terminal: a reporter of our own gets ConsoleReporter's colour-always
    // default, not --benchmark_color, and in a log the reset code that ends each table row
    // lands in front of the next line (scripts/gpu-check.sh reads those lines).
    RatioReporter()
        : ConsoleReporter(isatty(fileno(stdout)) ? OO_ColorTabular : OO_Tabular) {}

    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const auto& run : runs) {
            if (run.run_type != Run::RT_Iteration || run.error_occurred)
                continue;
            auto it = run.counters.find("bytes_per_second");
            if (it != run.counters.end())
                m_rates[run.benchmark_name()] = it->second.value;
        }
    }

    void printRatios() const {
        double baseline = 0;
        std::string baselineName;
        // The baseline is BM_Memcpy (the plain host memcpy of the same 64 MiB buffer).
        for (const auto& [name, rate] : m_rates)
            if (name == "BM_Memcpy" || name.rfind("BM_Memcpy/", 0) == 0) {
                baseline = rate;
                baselineName = name;
            }
        if (baseline <= 0)
            return;
        std::printf("\nThroughput as a ratio to %s (%.2f GB/s), same run:\n", baselineName.c_str(),
                    baseline / 1e9);
        for (const auto& [name, rate] : m_rates)
            std::printf("  %-48s %8.2f GB/s  %6.3f x memcpy\n", name.c_str(), rate / 1e9,
                        rate / baseline);
    }

private:
    std::map<std::string, double> m_rates;
};

} // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    reporter.printRatios();
    benchmark::Shutdown();
    return 0;
}
