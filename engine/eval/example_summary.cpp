#include "engine/eval/example_summary.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace ql {
namespace {

constexpr const char* kAll = "all";

std::vector<std::string> slicesInOrder(const std::vector<EvalExample>& examples) {
    std::vector<std::string> out;
    for (const auto& e : examples)
        for (const auto& s : e.slices)
            if (std::find(out.begin(), out.end(), s) == out.end())
                out.push_back(s);
    return out;
}

double mean(const std::vector<double>& v) {
    double sum = 0;
    for (double x : v)
        sum += x;
    return v.empty() ? 0 : sum / double(v.size());
}

double meanBytes(const std::vector<uint8_t>& v) {
    double sum = 0;
    for (uint8_t x : v)
        sum += x;
    return v.empty() ? 0 : sum / double(v.size());
}

struct MetricValue {
    const char* name;
    double value;
};

std::vector<MetricValue> exampleMetrics(const ExampleTokenScores& s, bool withBase,
                                        bool asBaseline) {
    const double nll = mean(s.nll);
    std::vector<MetricValue> out{{"nll", nll}, {"ppl", std::exp(nll)}};
    if (withBase) {
        out.push_back({"kld", asBaseline ? 0.0 : mean(s.kld)});
        out.push_back({"delta_p", asBaseline ? 0.0 : mean(s.deltaP)});
        out.push_back({"same_top", asBaseline ? 1.0 : meanBytes(s.sameTop)});
    }
    return out;
}

} // namespace

TokenSummary summarizeTokens(const std::vector<ExampleTokenScores>& scores,
                             const std::vector<size_t>& examples) {
    TokenSummary r;
    std::vector<double> nll, kld, deltaP, squares;
    int64_t same = 0;
    for (size_t e : examples) {
        const ExampleTokenScores& s = scores[e];
        if (s.nll.empty())
            continue;
        r.examples += 1;
        nll.insert(nll.end(), s.nll.begin(), s.nll.end());
        kld.insert(kld.end(), s.kld.begin(), s.kld.end());
        deltaP.insert(deltaP.end(), s.deltaP.begin(), s.deltaP.end());
        for (uint8_t t : s.sameTop)
            same += t;
    }
    r.tokens = int64_t(nll.size());
    r.nll = meanWithError(nll);
    r.ppl = std::exp(r.nll.mean);
    r.pplError = r.ppl * r.nll.error;
    r.hasBaseline = !kld.empty();
    if (!r.hasBaseline)
        return r;
    const auto n = double(kld.size());
    r.kld = meanWithError(kld);
    if (kld.size() <= 10) // llama-perplexity prints no uncertainty for so few
        r.kld.error = 0;
    r.kldPercentiles = percentiles(kld);
    r.deltaP = meanWithError(deltaP);
    r.deltaPPercentiles = percentiles(deltaP);
    for (double d : deltaP)
        squares.push_back(d * d);
    r.rmsDeltaP = std::sqrt(mean(squares));
    r.sameTop = double(same) / n;
    r.sameTopError = n > 1 ? std::sqrt(r.sameTop * (1 - r.sameTop) / (n - 1)) : 0;
    return r;
}

std::vector<SliceSummary> summarizeSlices(const std::vector<EvalExample>& examples,
                                          const std::vector<ExampleTokenScores>& scores) {
    std::vector<size_t> all(examples.size());
    for (size_t i = 0; i < all.size(); ++i)
        all[i] = i;
    std::vector<SliceSummary> out{{kAll, summarizeTokens(scores, all)}};
    for (const auto& slice : slicesInOrder(examples)) {
        std::vector<size_t> members;
        for (size_t i = 0; i < examples.size(); ++i)
            if (std::count(examples[i].slices.begin(), examples[i].slices.end(), slice))
                members.push_back(i);
        out.push_back({slice, summarizeTokens(scores, members)});
    }
    return out;
}

std::vector<score::ScoreCell> exampleCells(const std::string& variant,
                                           const std::vector<EvalExample>& examples,
                                           const std::vector<ExampleTokenScores>& scores,
                                           bool asBaseline) {
    bool withBase = asBaseline;
    for (const auto& s : scores)
        withBase = withBase || !s.kld.empty();
    const bool sliced = !slicesInOrder(examples).empty();
    // (dimension, slice) -> cell, in first-seen order.
    std::vector<score::ScoreCell> cells;
    std::map<std::pair<std::string, std::string>, size_t> index;
    const auto add = [&](const std::string& dimension, const std::string& slice,
                         const std::string& id, double value) {
        const auto key = std::make_pair(dimension, slice);
        auto it = index.find(key);
        if (it == index.end()) {
            score::ScoreCell c;
            c.variant = variant;
            c.dimension = dimension;
            c.slice = slice;
            c.kind = slice == kAll && sliced ? score::CellKind::Group : score::CellKind::Slice;
            it = index.emplace(key, cells.size()).first;
            cells.push_back(std::move(c));
        }
        cells[it->second].examples.push_back({id, value});
    };
    for (size_t i = 0; i < examples.size(); ++i) {
        if (scores[i].nll.empty())
            continue; // nothing scored (shorter than a window under llama-perplexity scoring)
        const EvalExample& e = examples[i];
        const std::string prefix = e.dimension.empty() ? "" : e.dimension + ".";
        for (const MetricValue& m : exampleMetrics(scores[i], withBase, asBaseline)) {
            add(prefix + m.name, kAll, e.id, m.value);
            for (const auto& slice : e.slices)
                add(prefix + m.name, slice, e.id, m.value);
        }
    }
    for (auto& c : cells) {
        c.n = int64_t(c.examples.size());
        c.score = score::exampleMean(c.examples);
    }
    return cells;
}

} // namespace ql
