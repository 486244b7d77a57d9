#pragma once
// The backends the conformance suite runs, made once per process (a Vulkan device takes
// a while to open). "ref" is the scalar reference itself, checked against the suite's
// own oracle; "cpu" and "vulkan" are checked against "ref".
#include "engine/compute/backend.h"
#include "tests/common/test_data.h"

#include <string>
#include <vector>

namespace ql::test {

const std::vector<std::string>& backendNames(); // "ref", "cpu", "vulkan"

// The Vulkan probe of this process (null backend when there is no device).
VulkanProbe& vulkanProbe();
// Null for "ref"; null for "vulkan" when there is no device.
ComputeBackend* backendByName(const std::string& name);
std::string noVulkanMessage();

} // namespace ql::test

// In a TEST body: skip (or fail, under QUANTLENS_REQUIRE_VULKAN=1) without a device.
#define QL_REQUIRE_VULKAN()                                                                        \
    do {                                                                                           \
        if (!::ql::test::vulkanProbe().backend) {                                                  \
            if (::ql::test::vulkanRequired())                                                      \
                FAIL() << ::ql::test::noVulkanMessage();                                           \
            GTEST_SKIP() << ::ql::test::noVulkanMessage();                                         \
        }                                                                                          \
    } while (0)
