#include "tests/common/cli_runner.h"

#include "tests/common/temp_dir.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sys/wait.h>

namespace ql::test {

std::string shellQuote(const std::filesystem::path& path) {
    return "'" + path.string() + "'";
}

CliResult runCli(const std::string& args) {
    const char* env = std::getenv("QUANTLENS_CLI");
    const std::string cli = env ? env : "quantlens-cli";
    TempDir dir;
    const auto errFile = dir / "stderr.txt";
    const std::string cmd = shellQuote(cli) + " " + args + " 2>" + shellQuote(errFile);
    CliResult r;
    FILE* pipe = ::popen(cmd.c_str(), "r");
    if (!pipe)
        return r;
    std::array<char, 4096> buf{};
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0)
        r.out.append(buf.data(), n);
    const int status = ::pclose(pipe);
    r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream e(errFile);
    r.err.assign(std::istreambuf_iterator<char>(e), {});
    return r;
}

} // namespace ql::test
