#include "engine/eval/eval_model.h"

#include "engine/compute/backend.h"
#include "engine/core/error.h"
#include "engine/jobs/quantize_job.h"
#include "engine/quant/imatrix_file.h"
#include "engine/quant/imatrix_quantize.h"
#include "engine/quant/llama_presets.h"
#include "engine/quant/quantize.h"
#include "engine/store/workspace.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

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

// The tensor's importance vector as the quantize job used it: the file's entry, when the
// tensor's stored format takes one (engine/jobs/quantize_job.cpp, importanceFor).
std::vector<float> importanceOf(const Imatrix* imatrix, const std::string& source,
                                const TensorInfo& t, QuantFormat stored) {
    if (!imatrix || !takesImportance(stored))
        return {};
    const ImatrixEntry* entry = imatrix->find(t.name);
    if (!entry)
        return {};
    std::vector<float> w = entry->importance(imatrix->format);
    requireImportance(w, t.cols(), t.matrices(), t.name, source);
    return w;
}

WeightTransform quantizeTransform(QuantFormat format, std::map<std::string, std::string> storage,
                                  std::shared_ptr<const Imatrix> imatrix, std::string source) {
    // The CPU backend writes the scalar references' bytes (the conformance suite pins
    // it) at its optimised speed: every searched encoder, with or without an imatrix, runs
    // its searches in vector lanes (quantlens_bench's Search1t: 3-34x on one thread), and
    // every format runs over threads.
    std::shared_ptr<ComputeBackend> cpu = makeCpuBackend();
    return [format, storage = std::move(storage), imatrix = std::move(imatrix),
            source = std::move(source), cpu](const TensorInfo& t, std::span<float> w) {
        if (!isQuantizableWeight(t))
            return t.dtype;
        QuantFormat f = fallbackFormat(format, t.cols());
        if (const auto it = storage.find(t.name); it != storage.end())
            if (const auto stored = quantFormatFromName(it->second))
                f = *stored;
        const std::vector<float> importance = importanceOf(imatrix.get(), source, t, f);
        // Matrix by matrix, as the quantize job chunks a MoE stack for per-tensor formats.
        const int64_t rows = t.matrixRows(), weights = rows * t.cols();
        for (int64_t m = 0; m < t.matrices(); ++m) {
            const std::span<float> part = w.subspan(size_t(m * weights), size_t(weights));
            QuantizedTensor q;
            if (importance.empty())
                cpu->quantize(f, part, rows, t.cols(), q);
            else
                cpu->quantizeWithImportance(f, part, rows, t.cols(), {importance, {m * rows, rows}},
                                            q);
            const std::vector<float> values = q.dequantize();
            std::copy(values.begin(), values.end(), part.begin());
        }
        return roundingType(f, t.dtype);
    };
}

// A variant quantized with an importance matrix is rebuilt with the same file: the one
// its parameters name, checked by its hash, so its figures are those of the bytes the
// job measured and never those of the plain format.
struct VariantImportance {
    std::shared_ptr<const Imatrix> imatrix;
    std::string path, hash;
};

VariantImportance variantImportance(const VariantRecord& v) {
    const auto params = nlohmann::json::parse(v.parameters, nullptr, false);
    if (params.is_discarded() || !params.is_object() || !params.contains("imatrix"))
        return {};
    const auto& m = params["imatrix"];
    const std::string id = "variant " + std::to_string(v.id);
    const std::string path = m.value("path", "");
    const std::string hash = m.value("xxh64", "");
    if (path.empty())
        throw Error(id + " was quantized with the importance matrix " + m.value("file", "?") +
                    ", whose path its parameters do not record; quantize it again to evaluate it");
    if (!std::filesystem::exists(path))
        throw Error(path + ": the importance matrix " + id + " was quantized with is missing");
    if (hashFiles({path}) != hash)
        throw Error(path + ": the importance matrix changed since " + id +
                    " was quantized with it (xxh64 differs from " + hash + ")");
    return {std::make_shared<const Imatrix>(readImatrix(path)), path, hash};
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

// The variant's label and id, once the model file is the one the variant was made from.
EvalModel finishVariant(EvalModel e, const VariantRecord& v, const ModelRecord& record) {
    if (modelHash(*e.model) != record.contentHash)
        throw Error(record.path + ": the file changed since variant " + std::to_string(v.id) +
                    " was made from it (content hash differs)");
    e.label = v.format + "#" + std::to_string(v.id);
    e.variantId = v.id;
    return e;
}

} // namespace

EvalModel openQuantizedModel(const std::filesystem::path& modelPath, const std::string& format,
                             const std::map<std::string, std::string>& storage) {
    const auto f = variantBaseFormat(format);
    if (!f)
        throw Error("format '" + format + "' is unknown ('quantlens-cli formats' lists them)");
    // A preset's types are per tensor: without them this would be its plain base format.
    if (llamaPresetSpelled(format) && storage.empty())
        throw Error("'" + format +
                    "' is a llama-quantize preset: open its variant from the "
                    "workspace, which records each tensor's type");
    ForwardOptions options;
    options.transform = quantizeTransform(*f, storage, nullptr, "");
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
    const VariantImportance importance = variantImportance(v);
    if (!importance.imatrix)
        return finishVariant(openQuantizedModel(record->path, v.format, storage), v, *record);
    const auto f = variantBaseFormat(v.format);
    if (!f)
        throw Error("format '" + v.format + "' is unknown ('quantlens-cli formats' lists them)");
    ForwardOptions options;
    options.transform = quantizeTransform(*f, storage, importance.imatrix, importance.path);
    const std::string weights = v.format + "+imatrix:" + importance.hash;
    return finishVariant(finish(Model::open(record->path), std::move(options), weights, weights), v,
                         *record);
}

} // namespace ql
