// lm-evaluation-harness output. results_<timestamp>.json holds, per task, metrics keyed
// "metric,filter" ("acc,none", "exact_match,strict-match") with "metric_stderr,filter"
// beside them, plus "groups", "versions", "n-shot", "n-samples" and "config". The
// samples_<task>_<timestamp>.jsonl files beside it hold one line per document with
// "doc_id", "filter" and a value per metric: the per-example data for paired statistics.
#include "engine/core/error.h"
#include "engine/core/mapped_file.h"
#include "engine/model/json_locate.h"
#include "engine/model/json_util.h"
#include "engine/score/importer.h"
#include "engine/store/workspace.h"

#include <algorithm>
#include <fstream>
#include <map>

namespace ql::score {

namespace {

using nlohmann::json;

std::string dimensionName(const std::string& metric, const std::string& filter) {
    return filter == "none" ? metric : metric + "," + filter;
}

// What nlohmann's value(key, fallback) does, but a field of another type is a ql::Error.
// `at` is where j is in the document, `field` the name the message gives j[key].
std::string stringOr(const json& j, const std::string& key, const std::string& fallback,
                     const std::string& label, const std::string& field, const JsonPath& at) {
    const auto it = j.find(key);
    if (it == j.end())
        return fallback;
    if (!it->is_string())
        throw JsonValueError(label + ": field " + field + " is not a string (" + it->type_name() +
                                 ")",
                             jsonChild(at, key));
    return it->get<std::string>();
}

// The model lm-eval ran, from config.model_args as it writes it: "pretrained=NAME,..." from
// the command line, a dict from newer Python calls, null when simple_evaluate was handed
// a model object (nothing to read). "" when it names none.
std::string pretrainedOf(const json& cfg, const std::string& label) {
    const auto it = cfg.find("model_args");
    if (it == cfg.end() || it->is_null())
        return "";
    if (it->is_object())
        return stringOr(*it, "pretrained", "", label, "config.model_args.pretrained",
                        {"config", "model_args"});
    if (!it->is_string())
        throw JsonValueError(label +
                                 ": field config.model_args is not a string, an object or null (" +
                                 it->type_name() + ")",
                             {"config", "model_args"});
    const std::string args = it->get<std::string>();
    const auto p = args.find("pretrained=");
    return p == std::string::npos ? "" : args.substr(p + 11, args.find(',', p) - (p + 11));
}

std::string variantName(const json& j, const std::filesystem::path& file, const ImportOptions& o) {
    if (!o.variantName.empty())
        return o.variantName;
    if (j.contains("model_name") && j["model_name"].is_string() &&
        !j["model_name"].get<std::string>().empty())
        return j["model_name"].get<std::string>();
    const auto cfg = j.find("config");
    if (cfg != j.end() && !cfg->is_object())
        throw JsonValueError(file.string() + ": field config is not an object (" +
                                 cfg->type_name() + ")",
                             {"config"});
    const std::string pretrained = cfg == j.end() ? "" : pretrainedOf(*cfg, file.string());
    return pretrained.empty() ? file.stem().string() : pretrained;
}

// "arc_easy v1.0 0-shot; gsm8k v3 5-shot": what must match for two runs to be comparable.
std::string evalSetVersion(const json& j) {
    std::map<std::string, std::string> parts;
    for (const auto& [task, _] : j["results"].items()) {
        std::string v = "v?";
        if (j.contains("versions") && j["versions"].contains(task))
            v = "v" + (j["versions"][task].is_string() ? j["versions"][task].get<std::string>()
                                                       : j["versions"][task].dump());
        if (j.contains("n-shot") && j["n-shot"].contains(task))
            v += " " + j["n-shot"][task].dump() + "-shot";
        parts[task] = v;
    }
    std::string out;
    for (const auto& [task, v] : parts)
        out += (out.empty() ? "" : "; ") + task + " " + v;
    return out;
}

// A sample count: a non-negative integer that fits int64 (nlohmann reads those as unsigned).
int64_t countOf(const json& v, const std::string& label, const std::string& field,
                const JsonPath& at) {
    if (v.is_number_unsigned() && v.get<uint64_t>() <= uint64_t(INT64_MAX))
        return int64_t(v.get<uint64_t>());
    throw JsonValueError(
        label + ": field " + field + " is " + v.dump() + ", not a count of samples", at);
}

int64_t taskN(const json& j, const std::string& task, const std::string& label) {
    if (!j.contains("n-samples") || !j["n-samples"].contains(task))
        return 0;
    const json& s = j["n-samples"][task];
    const JsonPath at{"n-samples", task};
    if (s.is_number_integer())
        return countOf(s, label, "n-samples." + task, at);
    for (const char* key : {"effective", "original"})
        if (s.contains(key) && s[key].is_number_integer())
            return countOf(s[key], label, "n-samples." + task + "." + key, jsonChild(at, key));
    return 0;
}

// `sub`, listed by open.back(), is among the groups being summed.
[[noreturn]] void throwCycle(const std::vector<std::string>& open, const std::string& sub,
                             const std::string& label, JsonPath at) {
    std::string cycle;
    for (const auto& g : open)
        cycle += g + " -> ";
    throw JsonValueError(label + ": field group_subtasks." + open.back() + " lists '" + sub +
                             "', which contains it: the groups form a cycle (" + cycle + sub + ")",
                         std::move(at));
}

// n of a group: the sum over its subtasks, when every one of them is known. `open` holds
// the groups being summed, so that a group among its own subtasks is an error, not
// recursion without end.
int64_t groupN(const json& j, const std::string& group, const std::string& label,
               std::vector<std::string>& open) {
    if (!j.contains("group_subtasks") || !j["group_subtasks"].contains(group))
        return 0;
    const std::string field = "group_subtasks." + group;
    const JsonPath at{"group_subtasks", group};
    const json& subs = j["group_subtasks"][group];
    open.push_back(group);
    int64_t sum = 0;
    size_t i = 0;
    for (const auto& sub : subs) {
        // Iterating a lone value visits the value itself: point at it, not into it.
        const JsonPath subAt = subs.is_array() ? jsonChild(at, i++) : at;
        if (!sub.is_string())
            throw JsonValueError(
                label + ": field " + field + " lists " + sub.dump() + ", not a task name", subAt);
        const std::string s = sub.get<std::string>();
        if (std::find(open.begin(), open.end(), s) != open.end())
            throwCycle(open, s, label, subAt);
        const int64_t n =
            j["group_subtasks"].contains(s) ? groupN(j, s, label, open) : taskN(j, s, label);
        if (n == 0) {
            open.pop_back();
            return 0;
        }
        if (__builtin_add_overflow(sum, n, &sum))
            throw JsonValueError(label + ": field " + field +
                                     ": the subtasks' sample counts add up to " +
                                     "more than 64 bits hold",
                                 at);
    }
    open.pop_back();
    return sum;
}

int64_t groupN(const json& j, const std::string& group, const std::string& label) {
    std::vector<std::string> open;
    return groupN(j, group, label, open);
}

bool isGroup(const json& j, const std::string& task) {
    return (j.contains("groups") && j["groups"].contains(task)) ||
           (j.contains("group_subtasks") && j["group_subtasks"].contains(task) &&
            !j["group_subtasks"][task].empty());
}

void addTask(Scorecard& card, const json& j, const std::string& variant, const std::string& task,
             const json& metrics, double scale, const std::string& label) {
    const bool group = isGroup(j, task);
    for (const auto& [key, value] : metrics.items()) {
        const auto comma = key.find(',');
        if (comma == std::string::npos || !value.is_number())
            continue; // "alias", "name", "N/A" stderr of a group
        const std::string metric = key.substr(0, comma), filter = key.substr(comma + 1);
        if (metric.size() > 7 && metric.ends_with("_stderr"))
            continue;
        ScoreCell cell{variant,
                       dimensionName(metric, filter),
                       task,
                       group ? CellKind::Group : CellKind::Slice,
                       value.get<double>() * scale,
                       group ? groupN(j, task, label) : taskN(j, task, label),
                       {},
                       {}};
        const std::string se = metric + "_stderr," + filter;
        if (metrics.contains(se) && metrics[se].is_number())
            cell.stdError = metrics[se].get<double>() * scale;
        card.cells.push_back(std::move(cell));
    }
}

// "results_2024-05-13T13-45-03.906112.json" -> "2024-05-13T13-45-03.906112".
std::string timestampOf(const std::filesystem::path& file) {
    const std::string stem = file.stem().string();
    return stem.rfind("results_", 0) == 0 ? stem.substr(8) : std::string();
}

void attachSampleLine(Scorecard& card, const json& line, const std::string& task, double scale,
                      const std::string& where) {
    const std::string id =
        line["doc_id"].is_string() ? line["doc_id"].get<std::string>() : line["doc_id"].dump();
    const std::string filter = stringOr(line, "filter", "none", where, "filter", {});
    for (auto& cell : card.cells) {
        if (cell.slice != task)
            continue;
        for (const auto& [key, value] : line.items())
            if (value.is_number() && dimensionName(key, filter) == cell.dimension)
                cell.examples.push_back({id, value.get<double>() * scale});
    }
}

void attachSamples(Scorecard& card, const std::filesystem::path& file, const std::string& task,
                   double scale) {
    std::ifstream in(file);
    std::string text;
    uint64_t offset = 0; // of the line in the file
    for (int n = 1; std::getline(in, text); ++n, offset += text.size() + 1) {
        if (text.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        const std::string where = file.filename().string() + ":" + std::to_string(n);
        checkJsonNesting(text, where, offset, "the sample");
        const json line = json::parse(text, nullptr, false);
        if (line.is_discarded() || !line.is_object() || !line.contains("doc_id"))
            throw Error(where + ": not an lm-eval sample (a JSON object with \"doc_id\")");
        try {
            attachSampleLine(card, line, task, scale, where);
        } catch (const JsonValueError& e) {
            throw atJsonValue(e, text, offset);
        }
    }
}

void attachAllSamples(Scorecard& card, const std::filesystem::path& results, double scale) {
    const std::string ts = timestampOf(results);
    if (ts.empty())
        return;
    const std::string suffix = "_" + ts + ".jsonl";
    for (const auto& entry : std::filesystem::directory_iterator(results.parent_path())) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("samples_", 0) != 0 || !name.ends_with(suffix))
            continue;
        const std::string task = name.substr(8, name.size() - 8 - suffix.size());
        attachSamples(card, entry.path(), task, scale);
    }
}

// The scorecard of a parsed results file; a bad value is a JsonValueError.
Scorecard readResults(const json& j, const std::filesystem::path& file, const ImportOptions& o) {
    if (!j.is_object() || !j.contains("results") || !j["results"].is_object())
        throw JsonValueError(file.string() +
                                 ": not lm-evaluation-harness output (no \"results\" object)",
                             {"results"});
    Scorecard card;
    const std::string variant = variantName(j, file, o);
    for (const auto& [task, metrics] : j["results"].items()) {
        if (!metrics.is_object())
            throw JsonValueError(file.string() + ": field results." + task + " is not an object",
                                 {"results", task});
        addTask(card, j, variant, task, metrics, o.scoreScale, file.string());
    }
    if (card.cells.empty())
        throw JsonValueError(file.string() + ": field \"results\" holds no numeric metric",
                             {"results"});
    attachAllSamples(card, file, o.scoreScale);
    for (auto& cell : card.cells)
        if (cell.n == 0 && !cell.examples.empty())
            cell.n = int64_t(cell.examples.size());
    card.name = o.name.empty() ? variant : o.name;
    card.sourcePath = file.string();
    card.sourceHash = hashFiles({file});
    card.evalSetVersion = o.evalSetVersion.empty() ? evalSetVersion(j) : o.evalSetVersion;
    const std::string version =
        stringOr(j, "lm_eval_version", "", file.string(), "lm_eval_version", {});
    card.evaluator = !o.evaluator.empty()
                         ? o.evaluator
                         : "lm-evaluation-harness" + (version.empty() ? "" : " " + version);
    finishScorecard(card, o);
    return card;
}

} // namespace

Scorecard importLmEval(const std::filesystem::path& file, const ImportOptions& o) {
    const MappedFile text(file); // kept to say where a bad value starts
    const json j = parseJson(text.bytes(), file.filename().string(), 0, "the file");
    try {
        return readResults(j, file, o);
    } catch (const JsonValueError& e) {
        throw atJsonValue(e, asText(text.bytes()));
    }
}

} // namespace ql::score
