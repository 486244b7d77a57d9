#pragma once
// The backends the conformance suite runs, made once per process (a Vulkan device takes
// a while to open). "ref" is the scalar reference itself, checked against the suite's
// own oracle; "cpu" and "vulkan" are checked against "ref".
#include "engine/compute/backend.h"
#include "engine/compute/vulkan/vulkan_backend.h"
#include "tests/common/test_data.h"

#include <gtest/gtest.h>
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

namespace ql::test {

// A Vulkan backend of the test's own, so that test limits and injected faults do not leak
// into the shared one. Base: ::testing::Test or ::testing::TestWithParam<T>.
template <typename Base> class OwnVulkanBackend : public Base {
protected:
    void SetUp() override {
        QL_REQUIRE_VULKAN();
        m_probe = makeVulkanBackend();
        m_vulkan = dynamic_cast<VulkanBackend*>(m_probe.backend.get());
        ASSERT_NE(m_vulkan, nullptr) << m_probe.message;
    }
    VulkanProbe m_probe;
    VulkanBackend* m_vulkan = nullptr;
};

} // namespace ql::test
