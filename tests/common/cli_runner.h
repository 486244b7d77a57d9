#pragma once
// Runs quantlens-cli ($QUANTLENS_CLI, set by ctest) as a user would: a real process,
// its stdout, stderr and exit code.
#include <filesystem>
#include <string>

namespace ql::test {

struct CliResult {
    int exitCode = -1;
    std::string out;
    std::string err;
};

// args is appended to the command line as it is: quote paths with shellQuote.
CliResult runCli(const std::string& args);
std::string shellQuote(const std::filesystem::path& path);

} // namespace ql::test
