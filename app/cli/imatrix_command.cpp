// quantlens-cli imatrix: llama-imatrix's importance matrix from text, written as GGUF or
// the legacy .dat for `quantize --imatrix` here or llama-quantize --imatrix. The work is
// the engine's computeImatrix: the same activation capture that `calibrate` runs.
#include "app/cli/commands.h"
#include "engine/core/error.h"
#include "engine/eval/imatrix_from_capture.h"
#include "engine/jobs/engine_thread.h"

#include <filesystem>
#include <iostream>

namespace ql::cli {
namespace {

struct ImatrixOptions {
    ImatrixRequest request;
    std::string model, text, output, outputFormat = "gguf";
};

// Fails before the capture, so a typo in -o costs nothing.
void requireWritableFolder(const std::filesystem::path& output) {
    const auto folder =
        output.parent_path().empty() ? std::filesystem::path(".") : output.parent_path();
    std::error_code ec;
    if (!std::filesystem::is_directory(folder, ec))
        throw Error(output.string() + ": cannot write the importance matrix: folder " +
                    folder.string() + " does not exist");
    if (std::filesystem::is_directory(output, ec))
        throw Error(output.string() + ": cannot write the importance matrix: it is a folder");
}

int runImatrix(ImatrixOptions& o) {
    requireWritableFolder(o.output);
    o.request.model = o.model;
    o.request.text = o.text;
    o.request.format = o.outputFormat == "dat" ? ImatrixFormat::Legacy : ImatrixFormat::Gguf;
    JobContext job;
    const ImatrixOutcome r = computeImatrix(o.request, job);
    if (r.imatrix.format == ImatrixFormat::Gguf)
        writeImatrixGguf(o.output, r.imatrix);
    else
        writeImatrixLegacy(o.output, r.imatrix);
    std::cout << "stored " << r.imatrix.entries.size() << " entries after " << r.chunks
              << " chunks (" << r.tokens << " tokens) in " << o.output << "\n";
    return 0;
}

} // namespace

void addImatrixCommand(CLI::App& app, CommandTable& table) {
    auto o = std::make_shared<ImatrixOptions>();
    auto* cmd = app.add_subcommand(
        "imatrix", "Importance matrix of text for --imatrix, as llama-imatrix computes it");
    cmd->add_option("model", o->model, "Model file (GGUF or safetensors)")->required();
    cmd->add_option("-f,--file", o->text, "Text to collect activations on")->required();
    cmd->add_option("-o,--output", o->output, "Importance matrix file to write")->required();
    cmd->add_option("-c,--ctx-size", o->request.nCtx, "Tokens per chunk")->capture_default_str();
    cmd->add_option("--chunks", o->request.maxChunks, "Use at most this many chunks");
    cmd->add_option("-t,--threads", o->request.threads, "Threads (default: all cores)");
    cmd->add_flag("--process-output", o->request.processOutput,
                  "Also collect output.weight, as llama-imatrix --process-output");
    cmd->add_option("--output-format", o->outputFormat, "gguf or dat (legacy)")
        ->check(CLI::IsMember({"gguf", "dat"}))
        ->capture_default_str();
    table.add(cmd, [o] { return runImatrix(*o); });
}

} // namespace ql::cli
