#include "engine/report/report_fit.h"

#include "engine/core/error.h"
#include "engine/fit/gpu_catalog.h"
#include "engine/fit/hf_config.h"
#include "engine/fit/shape_from_model.h"
#include "engine/model/model.h"

#include <set>

namespace ql::report {

namespace {

bool isConfigJson(const std::filesystem::path& p) {
    return p.extension() == ".json" && p.filename() != "model.safetensors.index.json";
}

fit::ModelShape loadShape(const std::filesystem::path& p) {
    return isConfigJson(p) ? fit::shapeFromHfConfigFile(p) : fit::shapeFromModel(*Model::open(p));
}

std::vector<const fit::GpuSpec*> gpusFor(const FitOptions& o) {
    std::vector<const fit::GpuSpec*> out;
    for (const auto& name : o.gpus) {
        const auto* g = fit::GpuCatalog::builtin().find(name);
        if (!g)
            throw Error("GPU '" + name +
                        "' is not in the catalog; known: " + fit::GpuCatalog::builtin().ids());
        out.push_back(g);
    }
    return out;
}

fit::WeightPolicy policyNamed(const std::string& variant, const std::string& name) {
    const auto p = fit::weightPolicyNamed(name);
    if (!p)
        throw Error("fit format '" + name + "' for variant '" + variant +
                    "' is unknown; known: " + fit::weightFormatNames() +
                    "; or a llama-quantize preset: " + llamaPresetNames());
    return *p;
}

std::string policyName(const fit::WeightPolicy& p) {
    if (p.preset)
        return std::string(llamaPresetInfo(*p.preset).name);
    return p.format ? std::string(fit::weightFormatInfo(*p.format).name) : "stored";
}

void addRows(FitSection& s, const fit::ModelShape& shape, const std::string& variant,
             const fit::WeightPolicy& policy, const FitOptions& o) {
    for (const auto* gpu : gpusFor(o)) {
        fit::FitRequest req;
        req.weights = policy;
        req.context = o.context;
        req.batch = o.batch;
        req.gpuName = gpu->name;
        req.gpuBytes = gpu->memoryBytes;
        s.runtime = req.runtime.name;
        s.rows.push_back({variant, policyName(policy), fit::fitModel(shape, req)});
    }
}

// Scorecard variants sized from a config.json or model file: the explicit mapping, else
// each variant whose name is a format name ("bf16", "int8").
void fitNamedVariants(FitSection& s, const FitOptions& o,
                      const std::vector<ScorecardSection>& cards) {
    s.modelSource = o.model.string();
    const auto shape = loadShape(o.model);
    std::set<std::string> done;
    // In the scorecard's order (baseline first), as the tables list them.
    for (const auto& card : cards)
        for (const auto& v : card.variants) {
            if (!done.insert(v).second)
                continue;
            if (const auto named = o.variantFormat.find(v); named != o.variantFormat.end())
                addRows(s, shape, v, policyNamed(v, named->second), o);
            else if (const auto f = fit::weightPolicyNamed(v); f && o.variantFormat.empty())
                addRows(s, shape, v, *f, o);
            else
                s.notes.push_back("variant '" + v + "': no format given (--fit VARIANT=FORMAT)");
        }
    for (const auto& [variant, format] : o.variantFormat)
        if (done.insert(variant).second)
            addRows(s, shape, variant, policyNamed(variant, format), o);
}

// The workspace's own quantized variants, sized from their model files.
void fitStoredVariants(FitSection& s, const Workspace& ws, const FitOptions& o) {
    for (const auto& m : ws.models()) {
        if (!std::filesystem::exists(m.path)) {
            s.notes.push_back(m.path + ": model file no longer exists; not sized");
            continue;
        }
        s.modelSource += (s.modelSource.empty() ? "" : ", ") + m.path;
        const auto shape = loadShape(m.path);
        for (const auto& v : ws.variants(m.id)) {
            const std::string label = v.format + " #" + std::to_string(v.id);
            if (const auto f = fit::weightPolicyNamed(v.format))
                addRows(s, shape, label, *f, o);
            else
                s.notes.push_back(label + ": the fit model does not know format '" + v.format +
                                  "'");
        }
    }
}

} // namespace

FitSection gatherFit(const Workspace& ws, const FitOptions& options,
                     const std::vector<ScorecardSection>& scorecards) {
    FitSection s;
    s.context = options.context;
    s.batch = options.batch;
    s.gpus = options.gpus;
    if (!options.model.empty())
        fitNamedVariants(s, options, scorecards);
    else
        fitStoredVariants(s, ws, options);
    return s;
}

} // namespace ql::report
