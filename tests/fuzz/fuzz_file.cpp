#include "tests/fuzz/fuzz_file.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

namespace ql::fuzz {
namespace {

std::filesystem::path makeDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "quantlens-fuzz-XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
        throw std::runtime_error("mkdtemp failed");
    return pattern;
}

void removeDir() {
    std::error_code ec;
    std::filesystem::remove_all(scratchDir(), ec);
}

} // namespace

const std::filesystem::path& scratchDir() {
    static const std::filesystem::path dir = [] {
        auto d = makeDir();
        std::atexit(removeDir);
        return d;
    }();
    return dir;
}

std::filesystem::path writeInput(const std::string& name, const uint8_t* data, size_t size) {
    const auto path = scratchDir() / name;
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), std::streamsize(size));
    if (!f)
        throw std::runtime_error("cannot write " + path.string());
    return path;
}

void report(const char* message) {
    static const bool print = std::getenv("QL_FUZZ_PRINT") != nullptr;
    if (print)
        std::fprintf(stderr, "%s\n", message);
}

} // namespace ql::fuzz
