// What the per-tensor error analysis costs beside the quantization it measures: on the
// same 4096 x 4096 f32 tensor as quantize_bench.cpp, bytes of f32 input per second, as a
// ratio to BM_Memcpy in the same run. BM_ErrorMetrics is the figures alone (RMSE, SNR,
// cosine, max error: what the job measured before the analysis); BM_ErrorAnalysis adds the
// two fixed-bin histograms and the outlier counts, on 1 and 2 threads (the argument), as the
// quantize job runs it (fixed row blocks, bit-identical on any thread count); wall time,
// since the work is on several threads. BM_WeightMoments is the old first pass (one
// thread, one running sum); BM_RowMoments is the job's first pass now (per-row sums merged
// in row order, with the NaN/Inf check) on 1 and 2 threads. BM_QuantizeJob_Q8_0 is the
// whole quantize job (first pass, Q8_0 on the CPU, analysis, SQLite rows) of a GGUF file
// holding the same tensor as F32, on 2 threads. BM_AnalysisRowPass is the per-row pass of
// the analysis alone (analysis_row.h: sums, bins, outliers) over the tensor and its values
// dequantized beforehand, one thread: argument 0 the reference path, 1 the fastest path
// this CPU runs (AVX-512 where it has it); both give the same bits.
#include "engine/jobs/quantize_job.h"
#include "engine/jobs/weight_moments.h"
#include "engine/model/gguf_writer.h"
#include "engine/quant/analysis_row.h"
#include "engine/quant/metrics.h"

#include <benchmark/benchmark.h>
#include <filesystem>
#include <random>
#include <unistd.h>
#include <vector>

namespace {

constexpr int64_t kRows = 4096, kCols = 4096;

struct Fixture {
    std::vector<float> weights;
    ql::QuantizedTensor quantized;
    ql::WeightMoments moments;
};

const Fixture& fixture() {
    static const Fixture f = [] {
        Fixture x;
        x.weights.resize(size_t(kRows * kCols));
        std::mt19937 rng(42);
        std::uniform_real_distribution<float> u(-1.0f, 1.0f);
        for (auto& v : x.weights)
            v = 0.02f * u(rng) * u(rng) * 3.0f; // peaked, like trained weights
        ql::quantizeReference(ql::QuantFormat::Int4G128, x.weights, kRows, kCols, x.quantized);
        x.moments.add(x.weights);
        return x;
    }();
    return f;
}

void setBytes(benchmark::State& state) {
    state.SetBytesProcessed(int64_t(state.iterations()) * kRows * kCols * int64_t(sizeof(float)));
}

void BM_WeightMoments(benchmark::State& state) {
    const Fixture& f = fixture();
    for (auto _ : state) {
        ql::WeightMoments m;
        m.add(f.weights);
        benchmark::DoNotOptimize(m.sigma());
    }
    setBytes(state);
}

void BM_RowMoments(benchmark::State& state) {
    const Fixture& f = fixture();
    const int threads = int(state.range(0));
    for (auto _ : state) {
        ql::WeightMoments m;
        ql::addRowMoments(f.weights, kCols, 0, threads, "bench", m);
        benchmark::DoNotOptimize(m.sigma());
    }
    setBytes(state);
}

void BM_ErrorMetrics_Int4G128(benchmark::State& state) {
    const Fixture& f = fixture();
    for (auto _ : state)
        benchmark::DoNotOptimize(ql::measureError(f.weights, f.quantized).rmse);
    setBytes(state);
}

void BM_ErrorAnalysis_Int4G128(benchmark::State& state) {
    const Fixture& f = fixture();
    const int threads = int(state.range(0));
    for (auto _ : state) {
        ql::TensorErrorAnalyzer analyzer(kRows, kCols, f.moments, threads);
        analyzer.add(0, f.weights, f.quantized);
        benchmark::DoNotOptimize(analyzer.analysis(ql::QuantFormat::Int4G128).errorScale);
    }
    setBytes(state);
}

void BM_AnalysisRowPass(benchmark::State& state) {
    const Fixture& f = fixture();
    static const std::vector<float> dequantized = f.quantized.dequantize();
    const double sigma = f.moments.sigma();
    const ql::AnalysisBins bins = ql::analysisBins(f.moments.mean(), sigma, sigma);
    const auto pass = state.range(0) == 0 ? ql::analyseRowReference : ql::analyseRow;
    for (auto _ : state) {
        ql::RunningErrorSums sums;
        ql::AnalysisTally tally;
        tally.columns = {std::vector<int64_t>(size_t(kCols)), std::vector<int64_t>(size_t(kCols))};
        for (int64_t r = 0; r < kRows; ++r)
            pass(bins, f.weights.data() + r * kCols, dequantized.data() + r * kCols, kCols, sums,
                 tally);
        benchmark::DoNotOptimize(sums.e2);
    }
    setBytes(state);
}

// A scratch folder of this process, removed when the benchmark ends.
struct ScratchDir {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("quantlens_bench_" + std::to_string(::getpid()));
    ScratchDir() { std::filesystem::create_directories(path); }
    ~ScratchDir() { std::filesystem::remove_all(path); }
};

void BM_QuantizeJob_Q8_0(benchmark::State& state) {
    const Fixture& f = fixture();
    const ScratchDir dir;
    ql::GgufWriter writer;
    writer.setString("general.architecture", "bench");
    writer.addTensorF32("blk.0.ffn_up.weight", {kRows, kCols}, ql::DType::F32, f.weights);
    writer.write(dir.path / "bench.gguf");
    ql::Workspace workspace(dir.path / "bench.quantlens");
    ql::BackendSet backends(ql::BackendSet::Preference::Cpu);
    ql::QuantizeRequest request{dir.path / "bench.gguf", ql::QuantFormat::Q8_0, {}};
    request.threads = 2;
    for (auto _ : state) {
        ql::JobContext ctx;
        benchmark::DoNotOptimize(ql::quantizeModel(request, workspace, backends, ctx).variantId);
    }
    setBytes(state);
}

} // namespace

BENCHMARK(BM_QuantizeJob_Q8_0)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WeightMoments)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RowMoments)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ErrorMetrics_Int4G128)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AnalysisRowPass)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ErrorAnalysis_Int4G128)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
