// Every 2-D tensor of the real stories260K model, quantized INT8 per channel on the
// Vulkan device, must match the scalar reference code for code. The device name goes to
// stdout so that CI logs show which device ran.
#include "engine/model/model.h"
#include "tests/conformance/backends.h"
#include "tests/conformance/quantize_compare.h"

#include <gtest/gtest.h>
#include <iostream>

namespace ql::test {
namespace {

TEST(VulkanStories, EveryMatrixMatchesTheReference) {
    QL_REQUIRE_DATA();
    QL_REQUIRE_VULKAN();
    ComputeBackend& vulkan = *vulkanProbe().backend;
    std::cout << "[vulkan-stories] device: " << vulkan.deviceName() << std::endl;
    const auto model = Model::open(stories260K());
    int matrices = 0;
    for (const TensorInfo& t : model->tensors()) {
        if (!t.isMatrix())
            continue;
        ++matrices;
        const std::vector<float> src = model->readF32(t);
        const auto f = QuantFormat::Int8PerChannel;
        const Support s = vulkan.supports(f, t.rows(), t.cols());
        ASSERT_TRUE(s.ok) << t.name << ": " << s.reason; // tiny tensors: must run on the device
        QuantizedTensor ref, out;
        quantizeReference(f, src, t.rows(), t.cols(), ref);
        vulkan.quantize(f, src, t.rows(), t.cols(), out);
        EXPECT_TRUE(sameQuantization(ref, out, src)) << t.name;
    }
    std::cout << "[vulkan-stories] " << matrices << " matrices identical to the reference"
              << std::endl;
    EXPECT_GT(matrices, 0);
}

} // namespace
} // namespace ql::test
