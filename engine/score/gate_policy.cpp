// The gate policy's JSON form (docs/gates.md) and the gate result's.
#include "engine/core/error.h"
#include "engine/core/mapped_file.h"
#include "engine/model/json_locate.h"
#include "engine/model/json_util.h"
#include "engine/score/gate.h"

namespace ql::score {

namespace {

using nlohmann::json;

// "aggregate.max_regression.relative": the keys on the path; an index into a list of names
// is left out (the message shows the bad element).
std::string fieldName(const JsonPath& at) {
    std::string name;
    for (const auto& step : at)
        if (const auto* key = std::get_if<std::string>(&step))
            name += (name.empty() ? "" : ".") + *key;
    return name;
}

[[noreturn]] void bad(const std::string& label, const JsonPath& at, const std::string& why) {
    throw JsonValueError(label + ": field \"" + fieldName(at) + "\": " + why, at);
}

double numberAt(const json& j, const std::string& label, const JsonPath& at) {
    if (!j.is_number())
        bad(label, at, "expected a number, found " + j.dump());
    return j.get<double>();
}

Threshold threshold(const json& j, const std::string& label, const JsonPath& at) {
    if (j.is_number())
        return {j.get<double>(), std::nullopt}; // a bare number is absolute
    if (!j.is_object())
        bad(label, at, "expected {\"absolute\": x} and/or {\"relative\": y}");
    Threshold t;
    for (const auto& [key, value] : j.items()) {
        if (key == "absolute")
            t.absolute = numberAt(value, label, jsonChild(at, key));
        else if (key == "relative")
            t.relative = numberAt(value, label, jsonChild(at, key));
        else
            bad(label, jsonChild(at, key), "unknown key (absolute, relative)");
    }
    return t;
}

std::vector<std::string> strings(const json& j, const std::string& label, const JsonPath& at) {
    if (!j.is_array())
        bad(label, at, "expected an array of names");
    std::vector<std::string> out;
    for (size_t i = 0; i < j.size(); ++i) {
        if (!j[i].is_string())
            bad(label, jsonChild(at, i), "expected names, found " + j[i].dump());
        out.push_back(j[i].get<std::string>());
    }
    return out;
}

std::map<std::string, Threshold> limits(const json& j, const std::string& label,
                                        const JsonPath& at) {
    if (!j.is_object())
        bad(label, at, "expected an object of name -> limit");
    std::map<std::string, Threshold> out;
    for (const auto& [key, value] : j.items())
        out[key] = threshold(value, label, jsonChild(at, key));
    return out;
}

Adjustment adjustment(const json& j, const std::string& label) {
    const std::string s = j.is_string() ? j.get<std::string>() : std::string("?");
    if (s == "none")
        return Adjustment::None;
    if (s == "holm")
        return Adjustment::Holm;
    if (s == "bh" || s == "benjamini-hochberg")
        return Adjustment::BenjaminiHochberg;
    bad(label, {"adjustment"}, "expected \"none\", \"holm\" or \"bh\", found " + j.dump());
}

void aggregateSection(GatePolicy& p, const json& j, const std::string& label) {
    const JsonPath at{"aggregate"};
    if (!j.is_object())
        bad(label, at, "expected an object");
    for (const auto& [key, value] : j.items()) {
        if (key == "max_regression")
            p.aggregateMaxRegression = threshold(value, label, jsonChild(at, key));
        else if (key == "min")
            p.aggregateMin = numberAt(value, label, jsonChild(at, key));
        else
            bad(label, jsonChild(at, key), "unknown key (max_regression, min)");
    }
}

void field(GatePolicy& p, const std::string& key, const json& v, const std::string& label) {
    const JsonPath at{key};
    if (key == "name" && v.is_string())
        p.name = v.get<std::string>();
    else if (key == "baseline" && v.is_string())
        p.baseline = v.get<std::string>();
    else if (key == "confidence") {
        p.confidence = numberAt(v, label, at);
        if (!(p.confidence > 0.5 && p.confidence < 1.0))
            bad(label, at, "expected a level between 0.5 and 1, e.g. 0.95");
    } else if (key == "require_significance" && v.is_boolean())
        p.requireSignificance = v.get<bool>();
    else if (key == "adjustment")
        p.adjustment = adjustment(v, label);
    else if (key == "bootstrap_resamples" && v.is_number_integer() && v.get<int>() > 0)
        p.bootstrapResamples = v.get<int>();
    else if (key == "seed" && v.is_number_unsigned())
        p.seed = v.get<uint64_t>();
    else if (key == "max_regression")
        p.maxRegression = threshold(v, label, at);
    else if (key == "dimensions" && v.is_object())
        p.dimensionLimits = limits(v, label, at);
    else if (key == "dimensions")
        p.dimensions = strings(v, label, at);
    else if (key == "slices")
        p.sliceLimits = limits(v, label, at);
    else if (key == "lower_is_better")
        p.lowerIsBetter = strings(v, label, at);
    else if (key == "critical_slices")
        p.criticalSlices = strings(v, label, at);
    else if (key == "required_slices")
        p.requiredSlices = strings(v, label, at);
    else if (key == "gated_dimensions")
        p.dimensions = strings(v, label, at);
    else if (key == "aggregate")
        aggregateSection(p, v, label);
    else
        bad(label, at, "unknown key or wrong type (see docs/gates.md)");
}

json optionalJson(const std::optional<double>& v) {
    return v ? json(*v) : json(nullptr);
}

} // namespace

GatePolicy parseGatePolicy(const json& j, const std::string& label) {
    if (!j.is_object())
        throw Error(label + ": a gate policy is a JSON object");
    GatePolicy p;
    for (const auto& [key, value] : j.items())
        field(p, key, value, label);
    return p;
}

GatePolicy loadGatePolicy(const std::filesystem::path& file) {
    if (!std::filesystem::is_regular_file(file))
        throw Error(file.string() + ": no such policy file");
    const MappedFile text(file);
    return parseGatePolicyText(asText(text.bytes()), file.filename().string());
}

GatePolicy parseGatePolicyText(std::string_view text, const std::string& label) {
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(text.data()),
                                           text.size());
    try {
        return parseGatePolicy(parseJson(bytes, label, 0, "the policy"), label);
    } catch (const JsonValueError& e) {
        throw atJsonValue(e, text); // the text is kept to say where a bad value starts
    }
}

json comparisonJson(const Comparison& c) {
    json j{{"baseline", c.baseline},
           {"value", c.value},
           {"delta", c.delta},
           {"ci_low", optionalJson(c.ciLow)},
           {"ci_high", optionalJson(c.ciHigh)},
           {"p_value", optionalJson(c.pValue)},
           {"method", statMethodLabel(c.method)}};
    if (c.pairs > 0)
        j["pairs"] = c.pairs;
    if (c.method == StatMethod::PairedBootstrapMcNemar)
        j["discordant"] = {{"b", c.discordantB}, {"c", c.discordantC}};
    return j;
}

json gateResultJson(const GateResult& r) {
    json variants = json::array();
    for (const auto& v : r.variants) {
        json reasons = json::array();
        for (const auto& reason : v.reasons) {
            json j{{"severity", verdictName(reason.severity)},
                   {"dimension", reason.dimension},
                   {"slice", reason.slice},
                   {"message", reason.message}};
            if (reason.comparison) {
                j["comparison"] = comparisonJson(*reason.comparison);
                j["threshold"] = reason.threshold;
            }
            if (reason.adjustedP)
                j["adjusted_p"] = *reason.adjustedP;
            reasons.push_back(j);
        }
        variants.push_back(
            {{"variant", v.variant}, {"verdict", verdictName(v.verdict)}, {"reasons", reasons}});
    }
    return {{"baseline", r.baseline},
            {"comparisons", r.comparisons},
            {"verdict", verdictName(r.overall())},
            {"variants", variants}};
}

} // namespace ql::score
