// quantlens-cli calibrate: captures every linear layer's input on calibration text and
// reports each layer's output-aware error for a variant: the relative error of X*Q^T
// against X*W^T, stored with the variant when it is a workspace variant.
#include "app/cli/commands.h"
#include "engine/eval/activation_capture.h"
#include "engine/eval/eval_model.h"
#include "engine/eval/text_file.h"
#include "engine/store/evalset_store.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

namespace ql::cli {
namespace {

struct CalibrateOptions {
    std::string workspace, variant, text;
    int64_t nCtx = 128;
    int64_t chunks = -1;
    int threads = 0;
    bool json = false;
};

int runCalibrate(const CalibrateOptions& o) {
    Workspace ws(o.workspace);
    const EvalModel variant = openEvalModel(o.variant, &ws);
    const EvalModel original = openEvalModel(variant.model->path().string(), nullptr);
    const auto tokens = original.tokenizer.tokenize(readEvalText(o.text));
    RunOptions run;
    run.nCtx = o.nCtx;
    run.maxChunks = o.chunks;
    run.threads = o.threads;
    ActivationCapture capture;
    captureActivations(*original.forward, tokens, original.tokenizer.bos(), run, capture);
    const auto errors = layerOutputErrors(capture, *original.forward, *variant.forward);
    const std::string calibration = hashFiles({o.text}) + ";n_ctx=" + std::to_string(o.nCtx) +
                                    ";chunks=" + std::to_string(o.chunks);
    if (variant.variantId) {
        std::vector<LayerOutputErrorRecord> records;
        for (const auto& e : errors)
            records.push_back({e.tensor, e.rows, e.relError});
        storeLayerOutputErrors(ws, *variant.variantId, calibration, records);
    }
    if (o.json) {
        nlohmann::json layers = nlohmann::json::array();
        for (const auto& e : errors)
            layers.push_back(
                {{"tensor", e.tensor}, {"rows", e.rows}, {"rel_output_error", e.relError}});
        std::cout << nlohmann::json{{"variant", variant.label},
                                    {"calibration", calibration},
                                    {"capture_bytes", capture.bytes()},
                                    {"stored", variant.variantId.has_value()},
                                    {"layers", layers}}
                         .dump(2)
                  << "\n";
        return 0;
    }
    std::cout << "output-aware error of " << variant.label << " (" << capture.bytes()
              << " bytes of captured X^T X)\n";
    for (const auto& e : errors) {
        char line[160];
        std::snprintf(line, sizeof line, "%-28s %8lld rows  %.6f\n", e.tensor.c_str(),
                      static_cast<long long>(e.rows), e.relError);
        std::cout << line;
    }
    return 0;
}

} // namespace

void addCalibrateCommand(CLI::App& app, CommandTable& table) {
    auto o = std::make_shared<CalibrateOptions>();
    auto* cmd = app.add_subcommand(
        "calibrate", "Capture linear-layer inputs on text; output-aware error per layer");
    cmd->add_option("--workspace", o->workspace, "Workspace file")->required();
    cmd->add_option("--variant", o->variant, "Workspace variant id or format, or a model file")
        ->required();
    cmd->add_option("-f,--file", o->text, "Calibration text")->required();
    cmd->add_option("-c,--ctx-size", o->nCtx, "Tokens per chunk")->capture_default_str();
    cmd->add_option("--chunks", o->chunks, "Use at most this many chunks");
    cmd->add_option("-t,--threads", o->threads, "Threads (default: all cores)");
    cmd->add_flag("--json", o->json, "Machine-readable output");
    table.add(cmd, [o] { return runCalibrate(*o); });
}

} // namespace ql::cli
