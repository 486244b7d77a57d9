#include "app/cli/commands.h"
#include "engine/model/demo_model.h"
#include "engine/quant/formats.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

namespace ql::cli {

namespace {

int runFormats(bool json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& f : quantFormats()) {
        // Bits per weight for a long row: codes plus one fp16 scale per group.
        // Exact for blocked formats: bytes of a 4096-wide row (every block size divides it).
        // Per-channel formats add one fp16 scale per row, which depends on the row length.
        const bool perRow = (f.kind == QuantKind::Rtn && f.groupSize == 0) || f.bytesPerCode > 0;
        const double bpw =
            perRow ? double(f.bits) : 8.0 * double(quantizedBytes(f.format, 1, 4096)) / 4096.0;
        if (json) {
            list.push_back({{"name", f.name},
                            {"method", f.method},
                            {"bits", f.bits},
                            {"group_size", f.groupSize},
                            {"bits_per_weight", bpw},
                            {"bits_per_weight_note", perRow ? "plus 16/columns" : "exact"},
                            {"convention", f.convention}});
            continue;
        }
        char head[128];
        std::snprintf(head, sizeof head, "%-10s %-4s %6.3f bpw%s  ", std::string(f.name).c_str(),
                      std::string(f.method).c_str(), bpw, perRow ? "+16/cols" : "");
        std::cout << head << f.convention << "\n";
    }
    if (json)
        std::cout << list.dump(2) << "\n";
    return 0;
}

} // namespace

void addFormatsCommand(CLI::App& app, CommandTable& table) {
    auto json = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("formats", "List the quantization formats");
    cmd->add_flag("--json", *json, "Machine-readable output");
    table.add(cmd, [json] { return runFormats(*json); });
}

void addDemoCommand(CLI::App& app, CommandTable& table) {
    auto output = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("demo", "Write the generated demo model (GGUF)");
    cmd->add_option("output", *output, "Output .gguf path")->required();
    table.add(cmd, [output] {
        writeDemoModel(*output);
        std::cout << "wrote " << *output << "\n";
        return 0;
    });
}

} // namespace ql::cli
