#include "engine/eval/example_scoring.h"

#include "engine/core/error.h"
#include "engine/core/parallel.h"
#include "engine/eval/baseline_cache.h"
#include "engine/eval/perplexity.h"
#include "engine/jobs/engine_thread.h"

#include <atomic>
#include <string>

namespace ql {
namespace {

struct WindowTask {
    size_t example;
    ExampleWindow window;
    int64_t scoredBefore; // scored tokens of this example in earlier windows
};

std::vector<WindowTask> planTasks(std::span<const std::vector<TokenId>> tokens,
                                  const EvalSettings& settings) {
    std::vector<WindowTask> tasks;
    for (size_t e = 0; e < tokens.size(); ++e) {
        int64_t before = 0;
        for (const ExampleWindow& w : planExampleWindows(int64_t(tokens[e].size()), settings)) {
            tasks.push_back({e, w, before});
            before += w.scored();
        }
    }
    return tasks;
}

// Called per window with the logits of rows first .. length-1 and the window's tokens.
using WindowFn = std::function<void(const WindowTask&, std::span<const float> logits,
                                    std::span<const TokenId> window)>;

// Threads pull whole windows: no synchronisation inside one, and every result is the
// same whatever the thread count.
ExampleRun runWindows(const LlamaForward& model, std::span<const std::vector<TokenId>> tokens,
                      TokenId bos, const ExampleRunOptions& options, const WindowFn& fn) {
    const std::vector<WindowTask> tasks = planTasks(tokens, options.settings);
    ExampleRun run;
    run.examples.resize(tokens.size());
    for (const auto& t : tasks) {
        run.windowsEvaluated += 1;
        run.tokensEvaluated += t.window.length;
    }
    if (options.job) {
        options.job->setTotal(int64_t(tasks.size()));
        options.job->setStage("evaluating " + std::to_string(tokens.size()) + " examples in " +
                              std::to_string(tasks.size()) + " windows");
    }
    const int threads = options.threads > 0 ? options.threads : defaultThreadCount();
    std::atomic<size_t> next{0};
    parallelFor(threads, threads, 1, [&](int64_t, int64_t) {
        std::vector<TokenId> window;
        std::vector<float> logits;
        for (size_t i = next++; i < tasks.size(); i = next++) {
            if (options.job)
                options.job->checkCancelled();
            const WindowTask& t = tasks[i];
            const auto begin = tokens[t.example].begin() + t.window.begin;
            window.assign(begin, begin + t.window.length);
            window[0] = bos;
            model.evaluate(window, t.window.first, logits);
            fn(t, logits,
               std::span<const TokenId>(tokens[t.example])
                   .subspan(size_t(t.window.begin), size_t(t.window.length)));
            if (options.job)
                options.job->advance();
        }
    });
    return run;
}

void sizeScores(ExampleRun& run, std::span<const std::vector<TokenId>> tokens,
                const EvalSettings& settings, bool withBase) {
    for (size_t e = 0; e < tokens.size(); ++e) {
        int64_t scored = 0;
        for (const auto& w : planExampleWindows(int64_t(tokens[e].size()), settings))
            scored += w.scored();
        ExampleTokenScores& s = run.examples[e];
        s.nll.resize(size_t(scored));
        if (withBase) {
            s.kld.resize(size_t(scored));
            s.deltaP.resize(size_t(scored));
            s.sameTop.resize(size_t(scored));
        }
    }
}

} // namespace

std::span<const uint16_t> ExampleBaseline::record(size_t example, int64_t scoredIndex) const {
    return std::span<const uint16_t>(entries[example].records)
        .subspan(size_t(scoredIndex) * recordSize(), recordSize());
}

uint64_t ExampleBaseline::bytes() const {
    uint64_t total = 0;
    for (const auto& e : entries)
        total += e.tokens.size() * sizeof(TokenId) + e.records.size() * sizeof(uint16_t);
    return total;
}

ExampleRun scoreExamples(const LlamaForward& model, std::span<const std::vector<TokenId>> tokens,
                         TokenId bos, const ExampleRunOptions& options, ExampleBaseline* record) {
    const int64_t vocab = model.vocabSize();
    ExampleRun sized;
    sized.examples.resize(tokens.size());
    sizeScores(sized, tokens, options.settings, false);
    if (record) {
        record->nVocab = int32_t(vocab);
        record->entries.assign(tokens.size(), {});
        for (size_t e = 0; e < tokens.size(); ++e) {
            record->entries[e].tokens = tokens[e];
            record->entries[e].records.resize(size_t(sized.examples[e].scored()) *
                                              record->recordSize());
        }
    }
    ExampleRun run = runWindows(
        model, tokens, bos, options,
        [&](const WindowTask& t, std::span<const float> logits, std::span<const TokenId> window) {
            ExampleTokenScores& s = sized.examples[t.example];
            for (int64_t j = 0; j < t.window.scored(); ++j) {
                const auto row = logits.subspan(size_t(j * vocab), size_t(vocab));
                const int64_t at = t.scoredBefore + j;
                s.nll[size_t(at)] = tokenNll(row, window[size_t(t.window.first + j + 1)]);
                if (record) {
                    auto& records = record->entries[t.example].records;
                    BaselineCache::encode(
                        row, std::span<uint16_t>(records).subspan(size_t(at) * record->recordSize(),
                                                                  record->recordSize()));
                }
            }
        });
    run.examples = std::move(sized.examples);
    return run;
}

ExampleRun scoreExamplesAgainst(const LlamaForward& model, const ExampleBaseline& base, TokenId bos,
                                const ExampleRunOptions& options) {
    const int64_t vocab = model.vocabSize();
    if (vocab != base.nVocab)
        throw Error("the model's vocabulary (" + std::to_string(vocab) +
                    ") differs from the baseline's (" + std::to_string(base.nVocab) + ")");
    std::vector<std::vector<TokenId>> tokens;
    tokens.reserve(base.entries.size());
    for (const auto& e : base.entries)
        tokens.push_back(e.tokens);
    ExampleRun sized;
    sized.examples.resize(tokens.size());
    sizeScores(sized, tokens, options.settings, true);
    for (size_t e = 0; e < tokens.size(); ++e)
        if (size_t(sized.examples[e].scored()) * base.recordSize() !=
            base.entries[e].records.size())
            throw Error("baseline cache: example " + std::to_string(e + 1) +
                        " holds a different number of scored tokens than these settings give");
    ExampleRun run = runWindows(
        model, tokens, bos, options,
        [&](const WindowTask& t, std::span<const float> logits, std::span<const TokenId> window) {
            ExampleTokenScores& s = sized.examples[t.example];
            for (int64_t j = 0; j < t.window.scored(); ++j) {
                const auto row = logits.subspan(size_t(j * vocab), size_t(vocab));
                const size_t at = size_t(t.scoredBefore + j);
                const PositionKl k = comparePosition(row, base.record(t.example, int64_t(at)),
                                                     window[size_t(t.window.first + j + 1)]);
                s.nll[at] = k.nll;
                s.kld[at] = k.kld;
                s.deltaP[at] = k.deltaP;
                s.sameTop[at] = k.sameTop ? 1 : 0;
            }
        });
    run.examples = std::move(sized.examples);
    return run;
}

} // namespace ql
