#include "app/cli/commands.h"
#include "app/cli/output.h"
#include "engine/model/model.h"

#include <iostream>

namespace ql::cli {

void addInspectCommand(CLI::App& app, CommandTable& table) {
    struct Options {
        std::string model;
        bool json = false;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = app.add_subcommand("inspect", "Summarise a model and list its tensors");
    cmd->add_option("model", o->model, "GGUF, safetensors, index json or folder")->required();
    cmd->add_flag("--json", o->json, "Machine-readable output");
    table.add(cmd, [o] {
        const auto model = Model::open(o->model);
        if (o->json) {
            // Names and strings in a model file are bytes, not always UTF-8: they print with
            // U+FFFD in place of invalid bytes rather than failing the whole listing.
            std::cout << modelJson(*model).dump(2, ' ', false,
                                                nlohmann::json::error_handler_t::replace)
                      << "\n";
            return 0;
        }
        printModelSummary(std::cout, *model);
        printTensorTable(std::cout, *model);
        return 0;
    });
}

} // namespace ql::cli
