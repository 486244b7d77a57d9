#include "engine/score/scorecard.h"

#include "engine/core/error.h"

#include <algorithm>
#include <cctype>

namespace ql::score {

const char* cellKindName(CellKind kind) {
    switch (kind) {
    case CellKind::Slice:
        return "slice";
    case CellKind::Group:
        return "group";
    case CellKind::ReportedAggregate:
        return "reported_aggregate";
    }
    return "slice";
}

CellKind cellKindFromName(const std::string& name) {
    if (name == "group")
        return CellKind::Group;
    if (name == "reported_aggregate")
        return CellKind::ReportedAggregate;
    return CellKind::Slice;
}

namespace {

template <typename Get>
std::vector<std::string> distinct(const std::vector<ScoreCell>& cells, Get get) {
    std::vector<std::string> out;
    for (const auto& c : cells)
        if (std::find(out.begin(), out.end(), get(c)) == out.end())
            out.push_back(get(c));
    return out;
}

std::string lower(std::string s) {
    for (auto& ch : s)
        ch = char(std::tolower(static_cast<unsigned char>(ch)));
    return s;
}

} // namespace

std::vector<std::string> Scorecard::variants() const {
    return distinct(cells, [](const ScoreCell& c) { return c.variant; });
}

std::vector<std::string> Scorecard::dimensions() const {
    return distinct(cells, [](const ScoreCell& c) { return c.dimension; });
}

std::vector<std::string> Scorecard::slices() const {
    return distinct(cells, [](const ScoreCell& c) { return c.slice; });
}

const ScoreCell* Scorecard::find(const std::string& variant, const std::string& dimension,
                                 const std::string& slice) const {
    for (const auto& c : cells)
        if (c.variant == variant && c.dimension == dimension && c.slice == slice)
            return &c;
    return nullptr;
}

std::optional<Aggregate> aggregate(const Scorecard& card, const std::string& variant,
                                   const std::string& dimension,
                                   const std::vector<std::string>& slices) {
    std::vector<const ScoreCell*> use;
    for (const auto& c : card.cells) {
        if (c.variant != variant || c.dimension != dimension || c.kind != CellKind::Slice)
            continue;
        if (slices.empty() || std::find(slices.begin(), slices.end(), c.slice) != slices.end())
            use.push_back(&c);
    }
    if (use.empty())
        return std::nullopt;
    Aggregate a;
    a.cells = int(use.size());
    a.weighted = std::all_of(use.begin(), use.end(), [](const ScoreCell* c) { return c->n > 0; });
    double sum = 0.0, weight = 0.0;
    for (const auto* c : use) {
        const double w = a.weighted ? double(c->n) : 1.0;
        sum += w * c->score;
        weight += w;
        a.n += c->n;
    }
    a.score = sum / weight;
    if (!a.weighted)
        a.n = 0;
    return a;
}

std::string matchVariant(const std::vector<std::string>& variants, const std::string& pattern) {
    const std::string p = lower(pattern);
    const bool prefix = !p.empty() && p.back() == '*';
    const std::string stem = prefix ? p.substr(0, p.size() - 1) : p;
    for (const auto& v : variants) {
        const std::string lv = lower(v);
        if (prefix ? lv.rfind(stem, 0) == 0 : lv == stem)
            return v;
    }
    return {};
}

double exampleMean(const std::vector<ExampleResult>& examples) {
    if (examples.empty())
        return 0.0;
    double sum = 0.0;
    for (const auto& e : examples)
        sum += e.value;
    return sum / double(examples.size());
}

} // namespace ql::score
