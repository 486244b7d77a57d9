// Reference forward pass throughput on stories260K at -c 128, in tokens evaluated per
// second (every position of every chunk, as llama-perplexity counts them). llama.cpp's
// --kl-divergence pass (one chunk at a time, 2 threads) does about 15,000 tokens/s for
// F32 on a 2-core AVX-512 VM (golden/NOTES.md).
#include "engine/eval/eval_set_import.h"
#include "engine/eval/example_scoring.h"
#include "engine/eval/perplexity.h"
#include "engine/eval/text_file.h"
#include "engine/model/model.h"

#include <benchmark/benchmark.h>
#include <cstdlib>
#include <filesystem>
#include <map>

namespace {

std::filesystem::path dataDir() {
    const char* env = std::getenv("QUANTLENS_DATA");
    return env && *env ? std::filesystem::path(env) : std::filesystem::path(QUANTLENS_DEFAULT_DATA);
}

struct Setup {
    std::unique_ptr<ql::Model> model;
    std::unique_ptr<ql::LlamaForward> forward;
    std::vector<ql::TokenId> tokens;
    ql::TokenId bos = 1;
};

// Loaded once; null when the shared data is absent.
const Setup* setup(const std::string& modelFile) {
    static std::map<std::string, std::unique_ptr<Setup>> cache;
    auto& slot = cache[modelFile];
    if (slot)
        return slot.get();
    const auto path = dataDir() / modelFile;
    const auto text = dataDir() / "text" / "tinystories_valid_1-500.txt";
    if (!std::filesystem::exists(path) || !std::filesystem::exists(text))
        return nullptr;
    slot = std::make_unique<Setup>();
    slot->model = ql::Model::open(path);
    const auto tokenizer = ql::Tokenizer::fromMetadata(slot->model->metadata());
    slot->forward = std::make_unique<ql::LlamaForward>(*slot->model);
    slot->tokens = tokenizer.tokenize(ql::readEvalText(text));
    slot->bos = tokenizer.bos();
    return slot.get();
}

// Chunks of 128 tokens, each an independent sequence, spread over `threads` threads.
void evalPass(benchmark::State& state, const std::string& modelFile) {
    const Setup* s = setup(modelFile);
    if (!s) {
        state.SkipWithError("shared data not found (set QUANTLENS_DATA)");
        return;
    }
    constexpr int64_t kChunks = 64;
    ql::RunOptions options;
    options.nCtx = 128;
    options.maxChunks = kChunks;
    options.threads = int(state.range(0));
    const ql::ChunkPlan plan = ql::planChunks(int64_t(s->tokens.size()), 128, kChunks);
    for (auto _ : state)
        ql::runChunks(*s->forward, s->tokens, plan, s->bos, options,
                      [](int64_t, std::span<const float> logits) {
                          benchmark::DoNotOptimize(logits.data());
                      });
    state.counters["tokens/s"] = benchmark::Counter(
        double(state.iterations() * plan.evaluatedTokens()), benchmark::Counter::kIsRate);
}

void BM_EvalF32Chunks128(benchmark::State& state) {
    evalPass(state, "models/stories260K.gguf");
}
void BM_EvalQ8_0Chunks128(benchmark::State& state) {
    evalPass(state, "golden/stories260K-Q8_0.gguf");
}

// Per-example evaluation: the first 64 stories of text A as separate examples (document
// scoring at -c 128: about 3 windows per story), on its own and against a cached
// baseline (KL divergence, delta-p, top-1 per token: llama-perplexity's --kl-divergence
// pass). Tokens/s counts every token through the forward pass, as llama.cpp does.
struct ExampleSetup {
    std::vector<std::vector<ql::TokenId>> tokens;
    ql::ExampleBaseline baseline;
    ql::ExampleRunOptions options;
};

const ExampleSetup* exampleSetup() {
    static std::unique_ptr<ExampleSetup> slot;
    const Setup* s = setup("models/stories260K.gguf");
    if (!s || slot)
        return slot.get();
    slot = std::make_unique<ExampleSetup>();
    const auto tokenizer = ql::Tokenizer::fromMetadata(s->model->metadata());
    auto examples = ql::readSeparatedExamples(dataDir() / "text" / "tinystories_valid_1-500.txt",
                                              "<|endoftext|>");
    examples.resize(64);
    for (const auto& e : examples)
        slot->tokens.push_back(tokenizer.tokenize(e.text));
    slot->options.settings.nCtx = 128;
    slot->options.threads = 2;
    ql::scoreExamples(*s->forward, slot->tokens, s->bos, slot->options, &slot->baseline);
    return slot.get();
}

void examplePass(benchmark::State& state, bool againstBaseline) {
    const Setup* s = setup("models/stories260K.gguf");
    const ExampleSetup* e = exampleSetup();
    if (!s || !e) {
        state.SkipWithError("shared data not found (set QUANTLENS_DATA)");
        return;
    }
    int64_t evaluated = 0;
    for (auto _ : state) {
        const ql::ExampleRun run =
            againstBaseline ? ql::scoreExamplesAgainst(*s->forward, e->baseline, s->bos, e->options)
                            : ql::scoreExamples(*s->forward, e->tokens, s->bos, e->options);
        evaluated += run.tokensEvaluated;
        benchmark::DoNotOptimize(run.examples.data());
    }
    state.counters["tokens/s"] = benchmark::Counter(double(evaluated), benchmark::Counter::kIsRate);
}

void BM_EvalExamples128(benchmark::State& state) {
    examplePass(state, false);
}
void BM_EvalExamplesKld128(benchmark::State& state) {
    examplePass(state, true);
}

BENCHMARK(BM_EvalExamples128)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EvalExamplesKld128)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EvalF32Chunks128)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EvalQ8_0Chunks128)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace
