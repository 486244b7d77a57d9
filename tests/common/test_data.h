#pragma once
// Where the shared real data lives: $QUANTLENS_DATA, default ../shared/data.
// Tests that need it call QL_REQUIRE_DATA(); without the data they skip with a loud
// message, unless QUANTLENS_REQUIRE_DATA=1 (set by .ci/run), where they fail.
#include <filesystem>
#include <gtest/gtest.h>
#include <optional>
#include <string>

namespace ql::test {

std::filesystem::path dataDir();
bool dataAvailable();
bool dataRequired();
std::filesystem::path stories260K();
std::string dataMissingMessage();
// QUANTLENS_REQUIRE_VULKAN=1 (set by .ci/run) turns "no Vulkan device" from a skip into
// a failure, so CI cannot pass without running the Vulkan path.
bool vulkanRequired();

} // namespace ql::test

#define QL_REQUIRE_DATA()                                                                          \
    do {                                                                                           \
        if (!::ql::test::dataAvailable()) {                                                        \
            if (::ql::test::dataRequired())                                                        \
                FAIL() << ::ql::test::dataMissingMessage();                                        \
            GTEST_SKIP() << ::ql::test::dataMissingMessage();                                      \
        }                                                                                          \
    } while (0)
