#include "engine/fit/gpu_catalog.h"

#include "engine/core/error.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace ql::fit {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return out;
}

std::optional<double> optDouble(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number() ? std::optional(it->get<double>()) : std::nullopt;
}

GpuSpec specFromJson(const nlohmann::json& j) {
    GpuSpec g;
    g.id = j.at("id").get<std::string>();
    g.name = j.value("name", g.id);
    g.aliases = j.value("aliases", std::vector<std::string>{});
    g.csvSource = j.value("csv_source", std::string());
    g.csvGpu = j.value("csv_gpu", std::string());
    g.memoryGib = optDouble(j, "memory_gib");
    g.memoryGb = optDouble(j, "memory_gb");
    g.memoryBytes = j.at("memory_bytes").get<uint64_t>();
    g.bandwidthGBs = j.at("bandwidth_gb_s").get<double>();
    g.fp8 = j.value("fp8", false);
    g.int8 = j.value("int8", false);
    g.int4 = j.value("int4", false);
    return g;
}

bool matches(const GpuSpec& g, const std::string& wanted) {
    if (lower(g.id) == wanted || lower(g.name) == wanted || lower(g.csvGpu) == wanted)
        return true;
    return std::any_of(g.aliases.begin(), g.aliases.end(),
                       [&](const std::string& a) { return lower(a) == wanted; });
}

} // namespace

GpuCatalog GpuCatalog::fromJson(std::string_view text, const std::string& label) {
    GpuCatalog c;
    try {
        const auto doc = nlohmann::json::parse(text);
        for (const auto& entry : doc.at("gpus"))
            c.m_gpus.push_back(specFromJson(entry));
    } catch (const nlohmann::json::exception& e) {
        throw Error(label + ": not a GPU catalog: " + e.what());
    }
    return c;
}

GpuCatalog GpuCatalog::fromFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(path.string() + ": cannot open the GPU catalog");
    std::ostringstream text;
    text << in.rdbuf();
    return fromJson(text.str(), path.string());
}

const GpuCatalog& GpuCatalog::builtin() {
    static const GpuCatalog catalog = fromJson(builtinGpuCatalogJson(), "built-in GPU catalog");
    return catalog;
}

const GpuSpec* GpuCatalog::find(std::string_view name) const {
    const std::string wanted = lower(name);
    for (const auto& g : m_gpus)
        if (matches(g, wanted))
            return &g;
    return nullptr;
}

std::string GpuCatalog::ids() const {
    std::string out;
    for (const auto& g : m_gpus)
        out += (out.empty() ? "" : ", ") + g.id;
    return out;
}

} // namespace ql::fit
