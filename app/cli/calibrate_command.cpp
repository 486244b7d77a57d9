// quantlens-cli calibrate: captures every linear layer's input on calibration text and
// reports each layer's output-aware error for a variant: the relative error of X*Q^T
// against X*W^T, stored with the variant when it is a workspace variant. The work is
// the engine's runCalibration job, the same one the workbench runs.
#include "app/cli/commands.h"
#include "app/cli/json_output.h"
#include "engine/eval/calibrate_job.h"
#include "engine/jobs/engine_thread.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

namespace ql::cli {
namespace {

struct CalibrateOptions {
    CalibrationRequest request;
    std::string workspace, text;
    bool json = false;
};

void printJson(const CalibrationOutcome& r) {
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& e : r.layers)
        layers.push_back({{"tensor", e.tensor},
                          {"rows", e.rows},
                          {"rel_output_error", e.relError},
                          {"signal", e.traces.signal},
                          {"noise", e.traces.noise}});
    ql::cli::printJson(std::cout, nlohmann::json{{"variant", r.variantLabel},
                                                 {"calibration", r.calibration},
                                                 {"chunks", r.chunks},
                                                 {"capture_bytes", r.captureBytes},
                                                 {"stored", r.stored},
                                                 {"layers", layers}});
}

void printText(const CalibrationOutcome& r) {
    std::cout << "output-aware error of " << r.variantLabel << " over " << r.chunks << " chunks ("
              << r.captureBytes << " bytes of captured X^T X)\n";
    for (const auto& e : r.layers) {
        char line[160];
        std::snprintf(line, sizeof line, "%-28s %8lld rows  %.6f\n", e.tensor.c_str(),
                      static_cast<long long>(e.rows), e.relError);
        std::cout << line;
    }
}

int runCalibrate(CalibrateOptions& o) {
    o.request.workspace = o.workspace;
    o.request.text = o.text;
    JobContext job;
    const CalibrationOutcome r = runCalibration(o.request, job);
    if (o.json)
        printJson(r);
    else
        printText(r);
    return 0;
}

} // namespace

void addCalibrateCommand(CLI::App& app, CommandTable& table) {
    auto o = std::make_shared<CalibrateOptions>();
    auto* cmd = app.add_subcommand(
        "calibrate", "Capture linear-layer inputs on text; output-aware error per layer");
    cmd->add_option("--workspace", o->workspace, "Workspace file")->required();
    cmd->add_option("--variant", o->request.variant,
                    "Workspace variant id or format, or a model file")
        ->required();
    cmd->add_option("-f,--file", o->text, "Calibration text")->required();
    cmd->add_option("-c,--ctx-size", o->request.nCtx, "Tokens per chunk")->capture_default_str();
    cmd->add_option("--chunks", o->request.maxChunks, "Use at most this many chunks");
    cmd->add_option("-t,--threads", o->request.threads, "Threads (default: all cores)");
    cmd->add_flag("--json", o->json, "Machine-readable output");
    table.add(cmd, [o] { return runCalibrate(*o); });
}

} // namespace ql::cli
