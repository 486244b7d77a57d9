// quantlens-cli fit: does a model (file or config.json) fit a GPU at a context and batch?
// The catalog is the built-in one (resources/gpu_catalog.json, compiled into the engine)
// unless --catalog names another file in the same schema.
#include "app/cli/commands.h"
#include "app/cli/json_output.h"
#include "engine/core/error.h"
#include "engine/fit/fit.h"
#include "engine/fit/gpu_catalog.h"
#include "engine/fit/hf_config.h"
#include "engine/fit/shape_from_model.h"
#include "engine/model/json_util.h"
#include "engine/model/model.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

namespace ql::cli {
namespace {

using namespace ql::fit;

struct FitOptions {
    std::string model, format, preset, gpu, kvType = "f16", kvTypeV, runtime = "llamacpp", catalog;
    int64_t ctx = 4096, batch = 1;
    int tp = 1;
    bool flashAttn = false, quantizeEmbeddings = false, json = false;
};

bool holdsWeights(const std::filesystem::path& folder) {
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
        const auto ext = entry.path().extension();
        if (ext == ".safetensors" || ext == ".gguf")
            return true;
    }
    return false;
}

// A config.json, or a folder with one and no weights (a checkpoint's configs alone), is
// sized from the config; anything else is opened as a model.
ModelShape loadShape(const std::string& path) {
    const std::filesystem::path p(path);
    if (std::filesystem::is_directory(p) && std::filesystem::is_regular_file(p / "config.json") &&
        !holdsWeights(p))
        return shapeFromHfConfigFile(p / "config.json");
    if (path.size() > 5 && path.ends_with(".json") && looksLikeHfConfig(parseJsonFile(path)))
        return shapeFromHfConfigFile(path);
    return shapeFromModel(*Model::open(path));
}

WeightFormat parseFormat(const std::string& name, const char* what) {
    const auto f = weightFormatFromName(name);
    if (!f)
        throw Error(std::string(what) + " '" + name +
                    "' is unknown; known: " + weightFormatNames());
    return *f;
}

const GpuSpec& findGpu(const GpuCatalog& catalog, const std::string& name) {
    const GpuSpec* g = catalog.find(name);
    if (!g)
        throw Error("GPU '" + name + "' is not in the catalog; known: " + catalog.ids());
    return *g;
}

FitRequest buildRequest(const FitOptions& o, const GpuSpec& gpu) {
    FitRequest r;
    // Without one, "as stored": a file's own types, a config.json checkpoint as it ships
    // (its declared quantization, else bf16).
    if (!o.format.empty() && !o.preset.empty())
        throw Error("give --format or --preset, not both");
    if (!o.format.empty() && o.format != "stored")
        r.weights.format = parseFormat(o.format, "format");
    if (!o.preset.empty()) {
        r.weights.preset = llamaPresetFromName(o.preset);
        if (!r.weights.preset)
            throw Error("--preset " + o.preset + ": unknown; known: " + llamaPresetNames());
    }
    r.weights.quantizeEmbedding = r.weights.quantizeOutput = o.quantizeEmbeddings;
    r.kvTypeK = parseFormat(o.kvType, "KV type");
    r.kvTypeV = parseFormat(o.kvTypeV.empty() ? o.kvType : o.kvTypeV, "KV type");
    const auto runtime = runtimeFromName(o.runtime);
    if (!runtime)
        throw Error("runtime '" + o.runtime + "' is unknown; known: llamacpp, vllm, trtllm");
    r.runtime = defaultProfile(*runtime);
    if (o.flashAttn)
        setFlashAttention(r.runtime, true);
    r.context = o.ctx;
    r.batch = o.batch;
    r.tensorParallel = o.tp;
    r.gpuName = gpu.id;
    r.gpuBytes = gpu.memoryBytes;
    return r;
}

std::string gib(double bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", bytes / double(1ull << 30));
    return buf;
}

void row(std::ostream& out, const std::string& label, double bytes) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "  %-34s %18.0f  %10s GiB\n", label.c_str(), bytes,
                  gib(bytes).c_str());
    out << buf;
}

void printReport(std::ostream& out, const ModelShape& s, const FitReport& f, const FitOptions& o) {
    const auto& w = f.weights;
    char params[96];
    std::snprintf(params, sizeof params, "%.2f B parameters, %.3f bits per weight",
                  double(f.parameters) / 1e9, w.bitsPerWeight());
    out << "model    " << s.name << " (" << s.modelType << "), " << params << "\n";
    out << "gpu      " << f.gpuName << " (" << gib(double(f.gpuBytes)) << " GiB) x tp "
        << f.tensorParallel << ", runtime " << f.runtime << "\n";
    out << "context  " << f.context << " tokens x batch " << f.batch << " = " << f.kvCells
        << " KV cells (K " << o.kvType << ", V " << (o.kvTypeV.empty() ? o.kvType : o.kvTypeV)
        << ")\n\nwhole model\n";
    row(out, "weights: quantized codes", double(w.codes));
    row(out, "weights: scales and metadata", double(w.metadata));
    row(out, "weights: unquantized tensors", double(w.unquantized));
    out << "per GPU\n";
    row(out, "weights", double(f.weightBytes));
    row(out, "KV cache K", double(f.kvKBytes));
    row(out, "KV cache V", double(f.kvVBytes));
    row(out, "compute buffer (estimate)", double(f.computeBytes));
    row(out, "output buffer", double(f.outputBytes));
    row(out, "runtime fixed (estimate)", double(f.fixedBytes));
    row(out, "needed", double(f.neededBytes()));
    row(out, "reserved by runtime", double(f.reservedBytes));
    row(out, "GPU memory", double(f.gpuBytes));
    row(out, "headroom", double(f.headroomBytes));
    out << "\n"
        << (f.fits ? "FITS" : "DOES NOT FIT") << "\nlargest context at batch " << f.batch << ": "
        << f.maxContext << " tokens; largest batch at context " << f.context << ": " << f.maxBatch
        << "\n";
    for (const auto& note : f.notes)
        out << "note: " << note << "\n";
}

nlohmann::json reportJson(const ModelShape& s, const FitReport& f) {
    const auto& w = f.weights;
    return {{"model", s.name},
            {"model_type", s.modelType},
            {"parameters", f.parameters},
            {"gpu", f.gpuName},
            {"gpu_bytes", f.gpuBytes},
            {"tensor_parallel", f.tensorParallel},
            {"runtime", f.runtime},
            {"context", f.context},
            {"batch", f.batch},
            {"kv_cells", f.kvCells},
            {"weights_total",
             {{"codes", w.codes},
              {"metadata", w.metadata},
              {"unquantized", w.unquantized},
              {"total", w.total()},
              {"bits_per_weight", w.bitsPerWeight()}}},
            {"per_gpu",
             {{"weights", f.weightBytes},
              {"kv_k", f.kvKBytes},
              {"kv_v", f.kvVBytes},
              {"kv", f.kvBytes()},
              {"compute_estimate", f.computeBytes},
              {"output", f.outputBytes},
              {"fixed_estimate", f.fixedBytes},
              {"needed", f.neededBytes()},
              {"reserved", f.reservedBytes}}},
            {"headroom_bytes", f.headroomBytes},
            {"fits", f.fits},
            {"max_context", f.maxContext},
            {"max_context_by_memory", f.maxContextByMemory},
            {"max_positions", s.maxPositions},
            {"max_batch", f.maxBatch},
            {"notes", f.notes}};
}

int runFit(const FitOptions& o) {
    const GpuCatalog catalog =
        o.catalog.empty() ? GpuCatalog::builtin() : GpuCatalog::fromFile(o.catalog);
    const ModelShape shape = loadShape(o.model);
    const FitReport report = fitModel(shape, buildRequest(o, findGpu(catalog, o.gpu)));
    if (o.json)
        printJson(std::cout, reportJson(shape, report));
    else
        printReport(std::cout, shape, report, o);
    return report.fits ? 0 : 3;
}

} // namespace

void addFitCommand(CLI::App& app, CommandTable& table) {
    auto o = std::make_shared<FitOptions>();
    auto* cmd = app.add_subcommand(
        "fit", "Does a model fit a GPU: weights + KV cache + activations + runtime overhead "
               "(exit 0 fits, 3 does not)");
    cmd->add_option("model", o->model, "GGUF, safetensors, index json, folder or config.json")
        ->required();
    cmd->add_option("--format", o->format,
                    "weight format of the linear layers, or 'stored' (the default: a file's "
                    "own types; a config.json as its checkpoint ships, from its "
                    "quantization_config or hf_quant_config.json, else bf16): " +
                        weightFormatNames());
    cmd->add_option("--preset", o->preset,
                    "llama-quantize file type instead of --format, each tensor in the type "
                    "llama-quantize gives it: " +
                        llamaPresetNames());
    cmd->add_option("--ctx", o->ctx, "context length per sequence, tokens")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--batch", o->batch, "concurrent sequences")->check(CLI::PositiveNumber);
    cmd->add_option("--gpu", o->gpu, "GPU id from the catalog (h100-sxm, a100-sxm-80gb, ...)")
        ->required();
    cmd->add_option("--tp", o->tp, "tensor-parallel GPUs")->check(CLI::PositiveNumber);
    cmd->add_option("--kv-type", o->kvType, "KV cache type: f32 f16 bf16 q8_0 q4_0 ... fp8");
    cmd->add_option("--kv-type-v", o->kvTypeV, "V cache type when it differs from K");
    cmd->add_option("--runtime", o->runtime, "llamacpp, vllm or trtllm");
    cmd->add_flag("--flash-attn", o->flashAttn, "llama.cpp with flash attention");
    cmd->add_flag("--quantize-embeddings", o->quantizeEmbeddings,
                  "quantize embeddings and output in --format too (llama-quantize --pure does)");
    cmd->add_option("--catalog", o->catalog, "GPU catalog json instead of the built-in one");
    cmd->add_flag("--json", o->json, "Machine-readable output");
    table.add(cmd, [o] { return runFit(*o); });
}

} // namespace ql::cli
