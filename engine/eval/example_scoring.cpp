#include "engine/eval/example_scoring.h"

#include "engine/core/error.h"
#include "engine/core/parallel.h"
#include "engine/eval/baseline_cache.h"
#include "engine/eval/perplexity.h"
#include "engine/jobs/engine_thread.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
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

// A 4-byte field at a word offset of a uint16 record (BaselineCache's convention).
template <class T> void putField(std::span<uint16_t> record, size_t word, T value) {
    static_assert(sizeof(T) == 4);
    std::memcpy(record.data() + word, &value, sizeof value);
}

template <class T> T field(std::span<const uint16_t> record, size_t word) {
    static_assert(sizeof(T) == 4);
    T value;
    std::memcpy(&value, record.data() + word, sizeof value);
    return value;
}

void encodeRecord(const ExampleBaseline& base, std::span<const float> logits, TokenId correct,
                  std::span<uint16_t> out) {
    if (base.topK > 0)
        encodeTopKRecord(logits, base.topK, correct, out);
    else
        BaselineCache::encode(logits, out);
}

} // namespace

size_t topKRecordSize(int32_t k, int32_t nVocab) {
    return size_t(4 * std::min(k, nVocab) + 4);
}

void encodeTopKRecord(std::span<const float> logits, int32_t k, TokenId correct,
                      std::span<uint16_t> record) {
    const TopKDistribution d = encodeTopK(logits, k);
    if (record.size() != topKRecordSize(k, int32_t(logits.size())))
        throw Error("top-k baseline record: " + std::to_string(record.size()) +
                    " words for k = " + std::to_string(k));
    putField(record, 0, d.tailLogProb);
    putField(record, 2, float(-tokenNll(logits, correct)));
    const size_t kept = d.ids.size();
    for (size_t i = 0; i < kept; ++i) {
        putField(record, 4 + 2 * i, d.ids[i]);
        putField(record, 4 + 2 * (kept + i), d.logProbs[i]);
    }
}

TopKDistribution decodeTopKRecord(std::span<const uint16_t> record) {
    const size_t kept = (record.size() - 4) / 4;
    TopKDistribution d;
    d.tailLogProb = field<float>(record, 0);
    d.ids.resize(kept);
    d.logProbs.resize(kept);
    for (size_t i = 0; i < kept; ++i) {
        d.ids[i] = field<int32_t>(record, 4 + 2 * i);
        d.logProbs[i] = field<float>(record, 4 + 2 * (kept + i));
    }
    return d;
}

PositionKl compareTopKPosition(std::span<const float> logits, std::span<const uint16_t> record,
                               TokenId token) {
    // The variant's NLL and argmax exactly as comparePosition finds them (float maximum,
    // first strict maximum wins, float exponentials summed in double), so that a set's
    // NLL cells do not depend on how its baseline is kept.
    float maxLogit = logits[0];
    int32_t argmax = 0;
    for (size_t i = 1; i < logits.size(); ++i)
        if (logits[i] > maxLogit) {
            maxLogit = logits[i];
            argmax = int32_t(i);
        }
    double sum = 0;
    for (float l : logits)
        sum += std::exp(l - maxLogit);
    const float nll = maxLogit + float(std::log(sum)) - logits[size_t(token)];
    const TopKDistribution base = decodeTopKRecord(record);
    const float correctLogProb = field<float>(record, 2);
    return {topKKlDivergence(base, logits),
            double(std::exp(-nll)) - double(std::exp(correctLogProb)), double(nll),
            -double(correctLogProb), !base.ids.empty() && argmax == base.ids[0]};
}

size_t ExampleBaseline::recordSize() const {
    return topK > 0 ? topKRecordSize(topK, nVocab) : size_t(2 * ((nVocab + 1) / 2) + 4);
}

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
        checkBaselineTopK(options.settings.baselineTopK);
        record->nVocab = int32_t(vocab);
        record->topK = options.settings.baselineTopK;
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
                    encodeRecord(*record, row, window[size_t(t.window.first + j + 1)],
                                 std::span<uint16_t>(records).subspan(
                                     size_t(at) * record->recordSize(), record->recordSize()));
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
    if (base.topK != options.settings.baselineTopK)
        throw Error("baseline cache: kept with baseline_top_k " + std::to_string(base.topK) +
                    ", but the set's settings say " +
                    std::to_string(options.settings.baselineTopK));
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
                const auto record = base.record(t.example, int64_t(at));
                const TokenId next = window[size_t(t.window.first + j + 1)];
                const PositionKl k = base.topK > 0 ? compareTopKPosition(row, record, next)
                                                   : comparePosition(row, record, next);
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
