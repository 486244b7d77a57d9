#include "app/cli/commands.h"
#include "app/cli/json_output.h"
#include "app/cli/output.h"
#include "engine/core/error.h"
#include "engine/jobs/quantize_job.h"

#include <iostream>

namespace ql::cli {
namespace {

struct QuantizeOptions {
    std::string model;
    std::string format;
    std::string preset;    // a llama-quantize file type instead of --format
    std::string workspace; // empty: an in-memory workspace, nothing kept
    std::string device = "auto";
    std::string imatrix;   // llama-imatrix's .dat or .gguf; empty: none
    std::string weighWith; // an imatrix that only weighs the error; empty: none
    bool json = false;
};

BackendSet makeBackends(const std::string& device) {
    if (device == "auto")
        return BackendSet(BackendSet::Preference::Auto);
    if (device == "cpu")
        return BackendSet(BackendSet::Preference::Cpu);
    if (device.rfind("vulkan", 0) == 0) {
        int index = -1;
        if (device.size() > 7 && device[6] == ':')
            index = std::stoi(device.substr(7));
        BackendSet set(BackendSet::Preference::Vulkan, index);
        if (!set.vulkan())
            throw Error("--device " + device + ": " + set.vulkanMessage());
        return set;
    }
    throw Error("--device " + device + ": expected auto, cpu, vulkan or vulkan:N");
}

int runQuantize(const QuantizeOptions& options) {
    if (options.format.empty() == options.preset.empty())
        throw Error("give --format (one format for every tensor, as llama-quantize --pure) or "
                    "--preset (llama-quantize's file type, its per-tensor choices)");
    QuantizeRequest request;
    request.modelPath = options.model;
    if (!options.preset.empty()) {
        request.preset = llamaPresetFromName(options.preset);
        if (!request.preset)
            throw Error("--preset " + options.preset + ": unknown; known: " + llamaPresetNames());
    } else {
        const auto format = quantFormatFromName(options.format);
        if (!format)
            throw Error("--format " + options.format +
                        ": unknown format; 'quantlens-cli formats' lists them");
        request.format = *format;
    }
    BackendSet backends = makeBackends(options.device);
    Workspace workspace(options.workspace.empty() ? ":memory:" : options.workspace);
    JobContext ctx;
    request.imatrixPath = options.imatrix;
    request.weighingImatrixPath = options.weighWith;
    const QuantizeOutcome outcome = quantizeModel(request, workspace, backends, ctx);
    if (const std::string w = ctx.warnings(); !w.empty())
        std::cerr << "quantlens-cli: warning: " << w << "\n";
    if (options.json)
        printJson(std::cout, quantizeJson(outcome, backends.summary()));
    else
        printQuantizeResult(std::cout, outcome, backends.summary());
    return 0;
}

} // namespace

void addQuantizeCommand(CLI::App& app, CommandTable& table) {
    auto o = std::make_shared<QuantizeOptions>();
    auto* cmd = app.add_subcommand("quantize", "Quantize a model and print its error");
    cmd->add_option("model", o->model, "Model file or folder")->required();
    cmd->add_option("--format", o->format,
                    "Format name (see 'formats'): every tensor in it, as llama-quantize --pure");
    cmd->add_option("--preset", o->preset,
                    "llama-quantize file type, each tensor in the type llama-quantize gives "
                    "it (output.weight in q6_K, Q4_K_M's q6_K attn_v and ffn_down, ...): " +
                        llamaPresetNames());
    cmd->add_option("--workspace", o->workspace, "Workspace file to store the variant in");
    cmd->add_option("--device", o->device, "auto, cpu, vulkan or vulkan:N");
    cmd->add_option("--imatrix", o->imatrix,
                    "Importance matrix of llama-imatrix (.dat or .gguf) for q4_0..q5_1, the "
                    "K-quants and iq4_nl, as llama-quantize --imatrix");
    cmd->add_option("--weigh-with", o->weighWith,
                    "Importance matrix that only weighs the error: any format, quantized "
                    "without it; each tensor's importance_weighted_rmse under it, to compare "
                    "with a variant made --imatrix");
    cmd->add_flag("--json", o->json, "Machine-readable output");
    table.add(cmd, [o] { return runQuantize(*o); });
}

} // namespace ql::cli
