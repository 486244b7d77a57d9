// quantlens-cli: batch access to the same engine the workbench uses.
#include "app/cli/commands.h"

#include <iostream>

int main(int argc, char** argv) {
    CLI::App app{"Quantlens: decide whether a quantized LLM can ship", "quantlens-cli"};
    app.set_version_flag("--version", std::string("quantlens-cli ") + QUANTLENS_VERSION);
    app.require_subcommand(1);

    ql::cli::CommandTable table;
    ql::cli::addInspectCommand(app, table);
    ql::cli::addQuantizeCommand(app, table);
    ql::cli::addFormatsCommand(app, table);
    ql::cli::addDemoCommand(app, table);
    ql::cli::addFitCommand(app, table);
    ql::cli::addImportCommand(app, table);
    ql::cli::addScorecardCommand(app, table);
    ql::cli::addGateCommand(app, table);
    ql::cli::addDecideCommand(app, table);
    ql::cli::addPerplexityCommand(app, table);
    ql::cli::addReportCommand(app, table);
    ql::cli::addEvalSetCommand(app, table);
    ql::cli::addEvalCommand(app, table);
    ql::cli::addCalibrateCommand(app, table);
    ql::cli::addImatrixCommand(app, table);

    CLI11_PARSE(app, argc, argv);
    try {
        for (const auto& entry : table.entries)
            if (entry.command->parsed())
                return entry.action();
    } catch (const std::exception& e) {
        std::cerr << "quantlens-cli: error: " << e.what() << "\n";
        return 1;
    }
    return 2;
}
