// quantlens-cli: batch access to the same engine the workbench uses.
#include "app/cli/commands.h"
#include "engine/core/error.h"

#include <CLI/CLI.hpp>
#include <iostream>

int main(int argc, char** argv) {
    CLI::App app{"Quantlens: decide whether a quantized LLM can ship", "quantlens-cli"};
    app.set_version_flag("--version", std::string("quantlens-cli ") + QUANTLENS_VERSION);
    app.require_subcommand(1);

    ql::cli::InspectOptions inspect;
    auto* inspectCmd = app.add_subcommand("inspect", "Summarise a model and list its tensors");
    inspectCmd->add_option("model", inspect.model, "GGUF, safetensors, index json or folder")
        ->required();
    inspectCmd->add_flag("--json", inspect.json, "Machine-readable output");

    ql::cli::QuantizeOptions quantize;
    auto* quantizeCmd = app.add_subcommand("quantize", "Quantize a model and print its error");
    quantizeCmd->add_option("model", quantize.model, "Model file or folder")->required();
    quantizeCmd->add_option("--format", quantize.format, "Format name (see 'formats')")
        ->required();
    quantizeCmd->add_option("--workspace", quantize.workspace, "Workspace file to store into");
    quantizeCmd->add_option("--device", quantize.device, "auto, cpu, vulkan or vulkan:N");
    quantizeCmd->add_flag("--json", quantize.json, "Machine-readable output");

    bool formatsJson = false;
    auto* formatsCmd = app.add_subcommand("formats", "List the quantization formats");
    formatsCmd->add_flag("--json", formatsJson, "Machine-readable output");

    ql::cli::DemoOptions demo;
    auto* demoCmd = app.add_subcommand("demo", "Write the generated demo model (GGUF)");
    demoCmd->add_option("output", demo.output, "Output .gguf path")->required();

    CLI11_PARSE(app, argc, argv);
    try {
        if (*inspectCmd)
            return ql::cli::runInspect(inspect);
        if (*quantizeCmd)
            return ql::cli::runQuantize(quantize);
        if (*formatsCmd)
            return ql::cli::runFormats(formatsJson);
        if (*demoCmd)
            return ql::cli::runDemo(demo);
    } catch (const std::exception& e) {
        std::cerr << "quantlens-cli: error: " << e.what() << "\n";
        return 1;
    }
    return 2;
}
