#pragma once
// quantlens-cli sub-commands. Each add*Command registers its options on the app and the
// action to run when it was chosen; an action returns the exit code and throws ql::Error
// for main to print on stderr. Adding a command: one file here plus one line in main.cpp.
#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <vector>

namespace ql::cli {

struct CommandTable {
    struct Entry {
        CLI::App* command;
        std::function<int()> action;
    };
    std::vector<Entry> entries;
    void add(CLI::App* command, std::function<int()> action) {
        entries.push_back({command, std::move(action)});
    }
};

void addInspectCommand(CLI::App& app, CommandTable& table);
void addQuantizeCommand(CLI::App& app, CommandTable& table);
void addFormatsCommand(CLI::App& app, CommandTable& table);
void addDemoCommand(CLI::App& app, CommandTable& table);
void addFitCommand(CLI::App& app, CommandTable& table);
void addImportCommand(CLI::App& app, CommandTable& table);
void addScorecardCommand(CLI::App& app, CommandTable& table);
void addGateCommand(CLI::App& app, CommandTable& table);
void addDecideCommand(CLI::App& app, CommandTable& table);
void addPerplexityCommand(CLI::App& app, CommandTable& table);
void addReportCommand(CLI::App& app, CommandTable& table);
void addEvalSetCommand(CLI::App& app, CommandTable& table);
void addEvalCommand(CLI::App& app, CommandTable& table);
void addCalibrateCommand(CLI::App& app, CommandTable& table);
void addImatrixCommand(CLI::App& app, CommandTable& table);

} // namespace ql::cli
