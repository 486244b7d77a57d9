#include "engine/score/gate.h"

#include "engine/core/error.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ql::score {

const char* verdictName(Verdict v) {
    switch (v) {
    case Verdict::Pass:
        return "pass";
    case Verdict::Fail:
        return "fail";
    case Verdict::Inconclusive:
        return "inconclusive";
    }
    return "pass";
}

namespace {

int rank(Verdict v) {
    return v == Verdict::Fail ? 2 : v == Verdict::Inconclusive ? 1 : 0;
}
Verdict worse(Verdict a, Verdict b) {
    return rank(a) >= rank(b) ? a : b;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

std::string fmt(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", x);
    return buf;
}

// One variant cell against the baseline's, before judging.
struct Check {
    size_t variant = 0;
    std::string dimension, slice;
    Comparison comparison;
    std::optional<double> adjustedP;
};

class GateRun {
public:
    GateRun(const Scorecard& card, const GatePolicy& policy)
        : m_card(card)
        , m_policy(policy) {
        m_stats.confidence = policy.confidence;
        m_stats.bootstrapResamples = policy.bootstrapResamples;
        m_stats.seed = policy.seed;
    }

    GateResult run(const std::string& only) {
        m_result.baseline = resolveBaseline();
        for (const auto& v : variantsToGate(only)) {
            m_result.variants.push_back({v, Verdict::Pass, {}});
            collect(m_result.variants.size() - 1);
        }
        m_result.comparisons = int(m_checks.size());
        adjust();
        for (const auto& c : m_checks)
            judge(c);
        for (size_t i = 0; i < m_result.variants.size(); ++i)
            judgeAggregates(i);
        for (auto& vv : m_result.variants)
            for (const auto& r : vv.reasons)
                vv.verdict = worse(vv.verdict, r.severity);
        return m_result;
    }

private:
    std::string resolveBaseline() const {
        const std::string b = m_policy.baseline.empty()
                                  ? m_card.baseline
                                  : matchVariant(m_card.variants(), m_policy.baseline);
        if (b.empty())
            throw Error("scorecard " + std::to_string(m_card.id) + " '" + m_card.name +
                        "': no baseline variant" +
                        (m_policy.baseline.empty() ? std::string(" (import with --baseline, or "
                                                                 "set \"baseline\" in the policy)")
                                                   : " matches '" + m_policy.baseline + "'"));
        return b;
    }

    std::vector<std::string> variantsToGate(const std::string& only) const {
        const auto all = m_card.variants();
        if (!only.empty()) {
            if (!contains(all, only))
                throw Error("scorecard " + std::to_string(m_card.id) + " has no variant '" + only +
                            "'");
            return {only};
        }
        std::vector<std::string> out;
        for (const auto& v : all)
            if (v != m_result.baseline)
                out.push_back(v);
        return out;
    }

    bool gated(const std::string& dimension) const {
        return m_policy.dimensions.empty() || contains(m_policy.dimensions, dimension);
    }

    void addReason(size_t v, Verdict severity, const std::string& dim, const std::string& slice,
                   const std::string& message) {
        m_result.variants[v].reasons.push_back({severity, dim, slice, message, {}, {}, 0.0});
    }

    void collect(size_t v) {
        const std::string& name = m_result.variants[v].variant;
        for (const auto& base : m_card.cells) {
            if (base.variant != m_result.baseline || base.kind == CellKind::ReportedAggregate ||
                !gated(base.dimension))
                continue;
            const ScoreCell* cell = m_card.find(name, base.dimension, base.slice);
            if (!cell) {
                addReason(v, Verdict::Inconclusive, base.dimension, base.slice,
                          "missing: the baseline has a score here, the variant has none");
                continue;
            }
            m_checks.push_back(
                {v, base.dimension, base.slice, compareCells(base, *cell, m_stats), std::nullopt});
        }
        for (const auto& slice : m_policy.requiredSlices)
            if (!hasSlice(m_result.baseline, slice) || !hasSlice(name, slice))
                addReason(
                    v, Verdict::Inconclusive, "", slice,
                    "missing: required slice '" + slice + "' is not scored for " +
                        (hasSlice(m_result.baseline, slice) ? "the variant" : "the baseline"));
    }

    bool hasSlice(const std::string& variant, const std::string& slice) const {
        return std::any_of(m_card.cells.begin(), m_card.cells.end(), [&](const ScoreCell& c) {
            return c.variant == variant && c.slice == slice;
        });
    }

    void adjust() {
        if (m_policy.adjustment == Adjustment::None)
            return;
        std::vector<double> p;
        std::vector<size_t> at;
        for (size_t i = 0; i < m_checks.size(); ++i)
            if (m_checks[i].comparison.pValue) {
                p.push_back(*m_checks[i].comparison.pValue);
                at.push_back(i);
            }
        const auto adj =
            m_policy.adjustment == Adjustment::Holm ? holmAdjust(p) : benjaminiHochbergAdjust(p);
        for (size_t k = 0; k < at.size(); ++k)
            m_checks[at[k]].adjustedP = adj[k];
    }

    Threshold limitFor(const std::string& dim, const std::string& slice) const {
        if (const auto it = m_policy.sliceLimits.find(slice); it != m_policy.sliceLimits.end())
            return it->second;
        if (const auto it = m_policy.dimensionLimits.find(dim);
            it != m_policy.dimensionLimits.end())
            return it->second;
        return m_policy.maxRegression;
    }

    // The limit in score units: the tighter of absolute and relative-to-baseline.
    static std::optional<double> limitValue(const Threshold& t, double baseline) {
        std::optional<double> out = t.absolute;
        if (t.relative) {
            const double rel = *t.relative * std::fabs(baseline);
            out = out ? std::min(*out, rel) : rel;
        }
        return out;
    }

    double regression(const std::string& dim, double delta) const {
        return contains(m_policy.lowerIsBetter, dim) ? delta : -delta;
    }

    // nullopt: the data carry no uncertainty, so significance cannot be judged.
    std::optional<bool> significant(const Check& c) const {
        const double alpha = 1.0 - m_policy.confidence;
        if (c.adjustedP)
            return *c.adjustedP < alpha;
        if (c.comparison.pValue)
            return *c.comparison.pValue < alpha;
        if (c.comparison.ciLow && c.comparison.ciHigh)
            return *c.comparison.ciLow > 0.0 || *c.comparison.ciHigh < 0.0;
        return std::nullopt;
    }

    std::string describe(const Check& c, double limit) const {
        const Comparison& k = c.comparison;
        std::string s = "delta " + fmt(k.delta) + " (" + fmt(k.baseline) + " -> " + fmt(k.value);
        if (k.ciLow)
            s += ", " + fmt(m_policy.confidence * 100) + "% CI " + fmt(*k.ciLow) + " to " +
                 fmt(*k.ciHigh);
        if (k.pValue)
            s += ", p " + fmt(*k.pValue);
        if (c.adjustedP)
            s += ", adjusted p " + fmt(*c.adjustedP);
        return s + ", " + statMethodLabel(k.method) + ") regresses beyond the limit " + fmt(limit);
    }

    void judge(const Check& c) {
        const bool critical = contains(m_policy.criticalSlices, c.slice);
        Threshold t = limitFor(c.dimension, c.slice);
        if (!t.any() && critical)
            t.absolute = 0.0;
        const auto limit = limitValue(t, c.comparison.baseline);
        if (!limit || regression(c.dimension, c.comparison.delta) <= *limit + 1e-12)
            return;
        const auto sig = significant(c);
        Verdict severity = Verdict::Fail;
        std::string why = describe(c, *limit);
        if (critical)
            why += "; critical slice";
        else if (m_policy.requireSignificance && !sig.value_or(false)) {
            severity = Verdict::Inconclusive;
            why += sig ? "; not significant" : "; significance unknown (no n or stderr)";
        }
        m_result.variants[c.variant].reasons.push_back(
            {severity, c.dimension, c.slice, why, c.comparison, c.adjustedP, *limit});
    }

    void judgeAggregates(size_t v) {
        const std::string& name = m_result.variants[v].variant;
        for (const auto& dim : m_card.dimensions()) {
            if (!gated(dim))
                continue;
            std::vector<std::string> common;
            for (const auto& c : m_card.cells)
                if (c.variant == name && c.dimension == dim && c.kind == CellKind::Slice &&
                    m_card.find(m_result.baseline, dim, c.slice))
                    common.push_back(c.slice);
            const auto a = aggregate(m_card, m_result.baseline, dim, common);
            const auto b = aggregate(m_card, name, dim, common);
            if (!a || !b)
                continue;
            judgeAggregate(v, dim, a->score, b->score);
        }
    }

    void judgeAggregate(size_t v, const std::string& dim, double base, double value) {
        const auto limit = limitValue(m_policy.aggregateMaxRegression, base);
        const double reg = regression(dim, value - base);
        if (limit && reg > *limit + 1e-12)
            addReason(v, Verdict::Fail, dim, "(aggregate)",
                      "computed aggregate " + fmt(base) + " -> " + fmt(value) +
                          " regresses beyond the limit " + fmt(*limit));
        if (m_policy.aggregateMin) {
            const bool low = contains(m_policy.lowerIsBetter, dim);
            if (low ? value > *m_policy.aggregateMin : value < *m_policy.aggregateMin)
                addReason(v, Verdict::Fail, dim, "(aggregate)",
                          "computed aggregate " + fmt(value) + " is beyond the bound " +
                              fmt(*m_policy.aggregateMin));
        }
    }

    const Scorecard& m_card;
    const GatePolicy& m_policy;
    StatsOptions m_stats;
    std::vector<Check> m_checks;
    GateResult m_result;
};

} // namespace

Verdict GateResult::overall() const {
    Verdict v = Verdict::Pass;
    for (const auto& vv : variants)
        v = worse(v, vv.verdict);
    return v;
}

GateResult evaluateGate(const Scorecard& card, const GatePolicy& policy, const std::string& only) {
    return GateRun(card, policy).run(only);
}

} // namespace ql::score
