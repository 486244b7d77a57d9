#include "app/cli/commands.h"
#include "app/cli/json_output.h"
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
            printJson(std::cout, modelJson(*model));
            return 0;
        }
        printModelSummary(std::cout, *model);
        printTensorTable(std::cout, *model);
        return 0;
    });
}

} // namespace ql::cli
