#include "engine/score/gate_policy_json.h"

namespace ql::score {

using nlohmann::json;

const char* adjustmentName(Adjustment a) {
    switch (a) {
    case Adjustment::Holm:
        return "holm";
    case Adjustment::BenjaminiHochberg:
        return "bh";
    case Adjustment::None:
        break;
    }
    return "none";
}

json thresholdJson(const Threshold& t) {
    json j = json::object();
    if (t.absolute)
        j["absolute"] = *t.absolute;
    if (t.relative)
        j["relative"] = *t.relative;
    return j;
}

namespace {

json limitsJson(const std::map<std::string, Threshold>& limits) {
    json j = json::object();
    for (const auto& [name, t] : limits)
        j[name] = thresholdJson(t);
    return j;
}

// Empty lists, maps and limits are left out: the parser's defaults are the same.
void putLimits(json& j, const char* key, const std::map<std::string, Threshold>& limits) {
    if (!limits.empty())
        j[key] = limitsJson(limits);
}

void putNames(json& j, const char* key, const std::vector<std::string>& names) {
    if (!names.empty())
        j[key] = names;
}

json aggregateJson(const GatePolicy& p) {
    json j = json::object();
    if (p.aggregateMaxRegression.any())
        j["max_regression"] = thresholdJson(p.aggregateMaxRegression);
    if (p.aggregateMin)
        j["min"] = *p.aggregateMin;
    return j;
}

} // namespace

json gatePolicyJson(const GatePolicy& p) {
    json j{{"name", p.name},
           {"confidence", p.confidence},
           {"require_significance", p.requireSignificance},
           {"adjustment", adjustmentName(p.adjustment)},
           {"bootstrap_resamples", p.bootstrapResamples},
           {"seed", p.seed}};
    if (!p.baseline.empty())
        j["baseline"] = p.baseline;
    if (p.maxRegression.any())
        j["max_regression"] = thresholdJson(p.maxRegression);
    putLimits(j, "dimensions", p.dimensionLimits);
    putLimits(j, "slices", p.sliceLimits);
    putNames(j, "lower_is_better", p.lowerIsBetter);
    putNames(j, "critical_slices", p.criticalSlices);
    putNames(j, "required_slices", p.requiredSlices);
    putNames(j, "gated_dimensions", p.dimensions);
    if (const json agg = aggregateJson(p); !agg.empty())
        j["aggregate"] = agg;
    return j;
}

} // namespace ql::score
