#include "tests/common/test_data.h"

#include <cstdlib>
#include <iostream>

namespace ql::test {

std::filesystem::path dataDir() {
    if (const char* env = std::getenv("QUANTLENS_DATA"); env && *env)
        return env;
    return QUANTLENS_DEFAULT_DATA;
}

bool dataAvailable() {
    return std::filesystem::exists(stories260K());
}

bool dataRequired() {
    const char* env = std::getenv("QUANTLENS_REQUIRE_DATA");
    return env && std::string(env) == "1";
}

bool vulkanRequired() {
    const char* env = std::getenv("QUANTLENS_REQUIRE_VULKAN");
    return env && std::string(env) == "1";
}

std::filesystem::path stories260K() {
    return dataDir() / "models" / "stories260K.gguf";
}

std::string dataMissingMessage() {
    std::string msg = "\n*** SKIPPED: shared data not found at " + dataDir().string() +
                      " (set QUANTLENS_DATA). This test reads real data and did NOT run. ***\n";
    std::cerr << msg;
    return msg;
}

} // namespace ql::test
