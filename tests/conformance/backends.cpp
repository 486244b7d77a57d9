#include "tests/conformance/backends.h"

#include "engine/compute/vulkan/vulkan_backend.h"

#include <iostream>
#include <memory>

namespace ql::test {
namespace {

// Fails the run if the validation layer (QUANTLENS_VULKAN_VALIDATION) saw any error.
class ValidationCheck : public ::testing::Environment {
public:
    void TearDown() override {
        auto* vulkan = dynamic_cast<VulkanBackend*>(vulkanProbe().backend.get());
        if (!vulkan || !vulkan->validationEnabled())
            return;
        std::cout << "Vulkan validation layer: " << vulkan->validationErrors() << " errors\n";
        EXPECT_EQ(vulkan->validationErrors(), 0) << "see the validation messages on stderr";
    }
};
const auto* const kValidationCheck = ::testing::AddGlobalTestEnvironment(new ValidationCheck);

} // namespace

const std::vector<std::string>& backendNames() {
    static const std::vector<std::string> names{"ref", "cpu", "vulkan"};
    return names;
}

VulkanProbe& vulkanProbe() {
    static VulkanProbe probe = [] {
        VulkanProbe p = makeVulkanBackend();
        std::cout << "[conformance] " << p.message << "\n";
        return p;
    }();
    return probe;
}

ComputeBackend* backendByName(const std::string& name) {
    // Three threads so that row ranges split unevenly.
    static std::unique_ptr<ComputeBackend> cpu = makeCpuBackend(3);
    if (name == "cpu")
        return cpu.get();
    if (name == "vulkan")
        return vulkanProbe().backend.get();
    return nullptr;
}

std::string noVulkanMessage() {
    return "no Vulkan device: " + vulkanProbe().message +
           (vulkanRequired() ? " (QUANTLENS_REQUIRE_VULKAN=1, so this fails)" : "");
}

} // namespace ql::test
