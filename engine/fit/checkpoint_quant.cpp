#include "engine/fit/checkpoint_quant.h"

#include "engine/fit/hf_config_parts.h"
#include "engine/model/json_locate.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace ql::fit {
namespace {

std::string text(const nlohmann::json& j, const char* key, const std::string& where) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return {};
    if (!it->is_string())
        throw JsonValueError(where + ": '" + key + "' is not a string", {key});
    return it->get<std::string>();
}

// Rethrows a value error found inside `parent` with the path from the document's root.
[[noreturn]] void under(const char* parent, const JsonValueError& e) {
    JsonPath path{std::string(parent)};
    path.insert(path.end(), e.path().begin(), e.path().end());
    throw JsonValueError(e.what(), std::move(path));
}

std::vector<std::string> stringList(const nlohmann::json& j, const char* key,
                                    const std::string& where) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return {};
    if (!it->is_array())
        throw JsonValueError(where + ": '" + key + "' is not a list of module names", {key});
    std::vector<std::string> out;
    for (size_t i = 0; i < it->size(); ++i) {
        if (!(*it)[i].is_string())
            throw JsonValueError(where + ": '" + key + "' is not a list of module names", {key, i});
        out.push_back((*it)[i].get<std::string>());
    }
    return out;
}

// quant_method "fp8" (DeepSeek-V3, Qwen3-FP8, vLLM's own): 128x128 tiles when
// weight_block_size says so, one scale per tensor when it is absent.
void readFp8(CheckpointQuantization& q, const nlohmann::json& qc) {
    const auto block = optIntList(qc, "weight_block_size"); // errors name config.json
    if (block.empty()) {
        q.format = WeightFormat::Fp8PerTensor;
        q.method = "fp8 (one scale per tensor)";
    } else if (block == std::vector<int64_t>{128, 128}) {
        q.format = WeightFormat::Fp8Block128;
        q.method = "fp8 (128x128 blocks)";
    } else {
        q.method = "fp8 with blocks other than 128x128";
    }
}

// '*' matches any run of characters. Iterative, retrying only from the last '*', so a
// pattern of many stars costs pattern x text steps, not exponentially many.
bool globMatch(std::string_view pattern, std::string_view text) {
    size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = t;
        } else if (p < pattern.size() && pattern[p] == text[t]) {
            ++p;
            ++t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*')
        ++p;
    return p == pattern.size();
}

// ModelOpt's keys, in hf_quant_config.json's "quantization" or in a config.json
// quantization_config whose quant_method is "modelopt".
CheckpointQuantization readModelOpt(const nlohmann::json& m, const std::string& source) {
    CheckpointQuantization q;
    q.source = source;
    const std::string algo = text(m, "quant_algo", source);
    q.method = "modelopt " + (algo.empty() ? std::string("(no quant_algo)") : algo);
    // ModelOpt FP8: e4m3 weights with one fp32 weight_scale per linear layer.
    if (algo == "FP8")
        q.format = WeightFormat::Fp8PerTensor;
    if (text(m, "kv_cache_quant_algo", source) == "FP8")
        q.kvCache = WeightFormat::Fp8PerTensor;
    q.keep = stringList(m, "exclude_modules", source);
    return q;
}

} // namespace

std::optional<CheckpointQuantization> quantizationFromConfig(const nlohmann::json& config) {
    const auto it = config.find("quantization_config");
    if (it == config.end() || it->is_null())
        return std::nullopt;
    if (!it->is_object())
        throw JsonValueError("config.json: 'quantization_config' is not an object",
                             {"quantization_config"});
    try {
        const std::string where = "config.json quantization_config";
        const std::string method = text(*it, "quant_method", where);
        if (method == "modelopt")
            return readModelOpt(*it, where);
        CheckpointQuantization q;
        q.source = where;
        q.method = method.empty() ? "unnamed" : method;
        if (method == "fp8")
            readFp8(q, *it);
        else if (method == "mxfp4")
            q.format = WeightFormat::Mxfp4;
        q.keep = stringList(*it, "modules_to_not_convert", where);
        for (auto& m : stringList(*it, "ignored_layers", where))
            q.keep.push_back(std::move(m));
        return q;
    } catch (const JsonValueError& e) {
        under("quantization_config", e);
    }
}

CheckpointQuantization quantizationFromModelOpt(const nlohmann::json& j,
                                                const std::string& source) {
    const auto it = j.find("quantization");
    if (it == j.end() || !it->is_object())
        throw JsonValueError(source + ": no 'quantization' object", {"quantization"});
    try {
        return readModelOpt(*it, source);
    } catch (const JsonValueError& e) {
        under("quantization", e);
    }
}

std::filesystem::path modelOptConfigBeside(const std::filesystem::path& configJson) {
    const std::string name = configJson.filename().string();
    const std::string_view suffix = "config.json";
    const std::string prefix =
        name.ends_with(suffix) ? name.substr(0, name.size() - suffix.size()) : std::string();
    return configJson.parent_path() / (prefix + "hf_quant_config.json");
}

bool moduleMatches(std::string_view pattern, std::string_view group) {
    if (pattern.starts_with("model."))
        pattern.remove_prefix(6);
    if (globMatch(pattern, group))
        return true;
    for (size_t dot = group.find('.'); dot != std::string_view::npos;
         dot = group.find('.', dot + 1))
        if (globMatch(pattern, group.substr(0, dot)))
            return true;
    return false;
}

bool keptByCheckpoint(const CheckpointQuantization& q, std::string_view group) {
    return std::any_of(q.keep.begin(), q.keep.end(),
                       [&](const std::string& pattern) { return moduleMatches(pattern, group); });
}

} // namespace ql::fit
