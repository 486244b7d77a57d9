#include "engine/eval/eval_model.h"

#include "engine/core/error.h"
#include "engine/jobs/quantize_job.h"
#include "engine/quant/quantize.h"
#include "engine/store/workspace.h"

#include <algorithm>
#include <cstring>
#include <map>

namespace ql {
namespace {

std::string modelHash(const Model& m) {
    std::vector<std::filesystem::path> files;
    for (const auto& f : m.files())
        files.push_back(f->path());
    return hashFiles(files);
}

EvalModel finish(std::unique_ptr<Model> model, ForwardOptions options, std::string label,
                 std::string weights) {
    EvalModel e;
    e.model = std::move(model);
    e.tokenizer = Tokenizer::fromMetadata(e.model->metadata());
    e.forward = std::make_unique<LlamaForward>(*e.model, std::move(options));
    e.label = std::move(label);
    e.weights = std::move(weights);
    e.identity =
        modelHash(*e.model) + "|" + e.weights + "|ggml-rounding|" + e.tokenizer.fingerprint();
    return e;
}

// The activation rounding ggml would apply: the format's ggml storage type when it has
// one (q8_0 -> Q8_0 blocks, f16 -> F16), else the source tensor's.
DType roundingType(QuantFormat f, DType source) {
    const auto& info = quantFormatInfo(f);
    return info.kind == QuantKind::Block && info.storage != DType::F32 ? info.storage : source;
}

WeightTransform quantizeTransform(QuantFormat format, std::map<std::string, std::string> storage) {
    return [format, storage = std::move(storage)](const TensorInfo& t, std::span<float> w) {
        if (!isQuantizableWeight(t))
            return t.dtype;
        QuantFormat f = fallbackFormat(format, t.cols());
        if (const auto it = storage.find(t.name); it != storage.end())
            if (const auto stored = quantFormatFromName(it->second))
                f = *stored;
        QuantizedTensor q;
        quantizeReference(f, w, t.rows(), t.cols(), q);
        const std::vector<float> values = q.dequantize();
        std::copy(values.begin(), values.end(), w.begin());
        return roundingType(f, t.dtype);
    };
}

const VariantRecord& pickVariant(const std::vector<VariantRecord>& all, const std::string& spec,
                                 const Workspace& ws) {
    const bool numeric = !spec.empty() && std::all_of(spec.begin(), spec.end(),
                                                      [](char c) { return std::isdigit(c); });
    std::vector<const VariantRecord*> hits;
    for (const auto& v : all)
        if (numeric ? std::to_string(v.id) == spec : v.format == spec)
            hits.push_back(&v);
    if (hits.size() == 1)
        return *hits.front();
    std::string ids;
    for (const auto* v : hits)
        ids += (ids.empty() ? "" : ", ") + std::to_string(v->id);
    throw Error("'" + spec + "' is " +
                (hits.empty() ? "neither a model file nor a variant of " + ws.path().string()
                              : "ambiguous in " + ws.path().string() + ": variants " + ids +
                                    " have that format; name one by its id"));
}

} // namespace

EvalModel openQuantizedModel(const std::filesystem::path& modelPath, const std::string& format,
                             const std::map<std::string, std::string>& storage) {
    const auto f = quantFormatFromName(format);
    if (!f)
        throw Error("format '" + format + "' is unknown ('quantlens-cli formats' lists them)");
    ForwardOptions options;
    options.transform = quantizeTransform(*f, storage);
    return finish(Model::open(modelPath), std::move(options), format, format);
}

EvalModel openEvalModel(const std::string& spec, const Workspace* ws) {
    if (std::filesystem::exists(spec) || !ws) {
        auto model = Model::open(spec);
        const std::string stem = std::filesystem::path(spec).stem().string();
        return finish(std::move(model), {}, stem, "original");
    }
    const std::vector<VariantRecord> variants = ws->variants();
    const VariantRecord& v = pickVariant(variants, spec, *ws);
    const auto record = ws->model(v.modelId);
    if (!record)
        throw Error(ws->path().string() + ": variant " + std::to_string(v.id) + " has no model");
    std::map<std::string, std::string> storage;
    for (const auto& t : ws->tensorMetrics(v.id))
        storage[t.tensor] = t.storageFormat;
    EvalModel e = openQuantizedModel(record->path, v.format, storage);
    if (modelHash(*e.model) != record->contentHash)
        throw Error(record->path + ": the file changed since variant " + std::to_string(v.id) +
                    " was made from it (content hash differs)");
    e.label = v.format + "#" + std::to_string(v.id);
    e.variantId = v.id;
    return e;
}

} // namespace ql
