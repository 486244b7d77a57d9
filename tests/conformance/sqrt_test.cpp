// The shaders' correctly rounded square root (shaders/formats.glsl, qlSqrtBits), bit for
// bit against the CPU's IEEE sqrt on the device the suite runs on. The Q4_K/Q5_K shader
// takes ggml's av = sqrt(mean x^2) through it, because Vulkan's sqrt is only as accurate
// as 1 / inversesqrt(x). shaders/sqrt_check.comp runs it on bit patterns; its _skew build
// starts from an estimate 300 ulps off, so that the correction, not the device's sqrt,
// is what the test checks.
#include "engine/compute/vulkan/vulkan_backend.h"
#include "tests/conformance/backends.h"
#include "tests/conformance/check_shader.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <gtest/gtest.h>
#include <random>
#include <string>
#include <vector>

namespace ql::test {
namespace {

std::vector<uint32_t> sqrtOnDevice(vk::Device& device, const std::vector<uint32_t>& inputs,
                                   const std::string& shader) {
    return runCheckShader(device, shader, inputs, 1);
}

// Zero and non-negative normal floats (qlSqrtBits' domain): every exponent, random and
// extreme mantissas, exact squares, and the squares' neighbours (where the rounding is
// closest to a tie).
std::vector<uint32_t> sqrtInputs() {
    std::vector<uint32_t> in{0u, 0x00800000u, 0x7f7fffffu, 0x3f800000u, 0x40000000u};
    std::mt19937 rng(20261129);
    for (int i = 0; i < 300000; ++i)
        in.push_back(0x00800000u + uint32_t(rng() % (0x7f800000u - 0x00800000u)));
    for (uint32_t e = 1; e <= 254; ++e)
        for (uint32_t m : {0u, 1u, 2u, 0x3fffffu, 0x400000u, 0x7ffffeu, 0x7fffffu})
            in.push_back((e << 23) | m);
    for (int i = 0; i < 100000; ++i) {
        const float r =
            std::ldexp(1.0f + float(rng() % (1u << 23)) / float(1u << 23), int(rng() % 120) - 60);
        const uint32_t square = std::bit_cast<uint32_t>(r * r);
        for (uint32_t d : {square - 1, square, square + 1})
            if (d >= 0x00800000u && d < 0x7f800000u)
                in.push_back(d);
    }
    return in;
}

void expectIeeeSqrt(const std::string& shader) {
    auto* vulkan = dynamic_cast<VulkanBackend*>(vulkanProbe().backend.get());
    ASSERT_NE(vulkan, nullptr);
    const std::vector<uint32_t> in = sqrtInputs();
    const std::vector<uint32_t> out = sqrtOnDevice(vulkan->deviceForTesting(), in, shader);
    size_t wrong = 0;
    for (size_t i = 0; i < in.size(); ++i) {
        const uint32_t expected = std::bit_cast<uint32_t>(std::sqrt(std::bit_cast<float>(in[i])));
        if (out[i] != expected && wrong++ < 5)
            ADD_FAILURE() << shader << std::hex << ": sqrt of " << in[i] << " gave " << out[i]
                          << ", IEEE " << expected;
    }
    EXPECT_EQ(wrong, 0u) << "of " << in.size();
}

TEST(VulkanSqrt, MatchesIeeeSqrt) {
    QL_REQUIRE_VULKAN();
    expectIeeeSqrt("sqrt_check");
}

TEST(VulkanSqrt, CorrectsAnEstimateFarOff) {
    QL_REQUIRE_VULKAN();
    expectIeeeSqrt("sqrt_check_skew");
}

} // namespace
} // namespace ql::test
