// The shaders' fused multiply-add (shaders/exact_fma.glsl, qlFmaBits), bit for bit against
// the CPU's std::fma on the device the suite runs on. The q4_k-lsq shader takes every
// fused multiply-add of its search through it, because GLSL's fma may round twice.
// shaders/fma_check.comp runs it on bit patterns: random operands over every exponent,
// products that c cancels to the last bits, exact ties (products of short mantissas),
// signed zeros, and results at the edges of the normal range, where it must say
// `outside` rather than give bits a device could disagree on.
#include "engine/compute/vulkan/vulkan_backend.h"
#include "tests/conformance/backends.h"
#include "tests/conformance/check_shader.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <gtest/gtest.h>
#include <random>
#include <vector>

namespace ql::test {
namespace {

struct Triple {
    float a, b, c;
};

struct DeviceFma {
    uint32_t bits;
    bool outside;
};

std::vector<DeviceFma> fmaOnDevice(vk::Device& device, const std::vector<Triple>& inputs) {
    const std::vector<uint32_t> words = runCheckShader(device, "fma_check", inputs, 2);
    std::vector<DeviceFma> results(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i)
        results[i] = {words[2 * i], words[2 * i + 1] != 0};
    return results;
}

bool normalOrZero(float v) {
    return v == 0.0f || std::isnormal(v);
}

float randomFloat(std::mt19937& rng, int minExponent, int maxExponent) {
    const float mantissa = 1.0f + float(rng() % (1u << 23)) / float(1u << 23);
    const int e = minExponent + int(rng() % uint32_t(maxExponent - minExponent + 1));
    return (rng() & 1u ? -1.0f : 1.0f) * std::ldexp(mantissa, e);
}

// A float of `bits` significant bits (a short mantissa), so that products land on ties.
float shortFloat(std::mt19937& rng, int bits, int exponent) {
    const uint32_t m = (1u << (bits - 1)) | (rng() % (1u << (bits - 1)));
    return (rng() & 1u ? -1.0f : 1.0f) * std::ldexp(float(m), exponent - (bits - 1));
}

std::vector<Triple> fmaInputs() {
    std::mt19937 rng(20261129);
    std::vector<Triple> in;
    // Random operands over every exponent (most results in range, many outside).
    for (int i = 0; i < 100000; ++i)
        in.push_back({randomFloat(rng, -126, 127), randomFloat(rng, -126, 127),
                      randomFloat(rng, -126, 127)});
    // The q4_k-lsq range: magnitudes 2^-20..2^20, c within a few binades of the product.
    for (int i = 0; i < 200000; ++i) {
        const float a = randomFloat(rng, -20, 20), b = randomFloat(rng, -20, 20);
        const int e = std::ilogb(a * b) + int(rng() % 9) - 4;
        in.push_back({a, b, randomFloat(rng, e, e)});
    }
    // c cancels the product to its last bits: -RN(a * b), and k ulps either side.
    for (int i = 0; i < 100000; ++i) {
        const float a = randomFloat(rng, -30, 30), b = randomFloat(rng, -30, 30);
        const float p = -(a * b);
        const int k = int(rng() % 7) - 3;
        const float c = std::bit_cast<float>(uint32_t(int32_t(std::bit_cast<uint32_t>(p)) + k));
        in.push_back({a, b, c});
    }
    // Exact ties: 12- or 13-bit mantissas give products of up to 26 bits, and c of a short
    // mantissa lands the sum halfway between two floats often.
    for (int i = 0; i < 200000; ++i) {
        const int e = int(rng() % 20) - 10;
        const float a = shortFloat(rng, 12 + int(rng() % 2), e);
        const float b = shortFloat(rng, 12 + int(rng() % 2), int(rng() % 20) - 10);
        const float c =
            rng() % 4 == 0 ? 0.0f : shortFloat(rng, 8, std::ilogb(a * b) - int(rng() % 30));
        in.push_back({a, b, c});
    }
    // A product halfway between two floats and a c far below it, of either sign: only c's
    // lowest bits (lost to the frame, kept as the sticky bit) break the tie.
    for (int i = 0; i < 50000; ++i) {
        const float a = shortFloat(rng, 12 + int(rng() % 2), int(rng() % 20) - 10);
        const float b = shortFloat(rng, 12 + int(rng() % 2), int(rng() % 20) - 10);
        in.push_back({a, b, randomFloat(rng, std::ilogb(a * b) - 90, std::ilogb(a * b) - 30)});
    }
    // Signed zeros in every place.
    for (float z : {0.0f, -0.0f})
        for (float v : {0.0f, -0.0f, 1.5f, -2.25f}) {
            in.push_back({z, v, 0.0f});
            in.push_back({z, v, -0.0f});
            in.push_back({v, z, 3.0f});
            in.push_back({1.0f, v, z});
            in.push_back({v, 7.0f, z});
        }
    // Edges of the normal range: results just above and below the smallest normal, and
    // near the largest float; subnormal and non-finite operands.
    for (int i = 0; i < 20000; ++i) {
        const float a = randomFloat(rng, -70, -50), b = randomFloat(rng, -80, -60);
        in.push_back({a, b, rng() % 2 ? 0.0f : randomFloat(rng, -127, -120)});
        in.push_back(
            {randomFloat(rng, 60, 64), randomFloat(rng, 60, 64), randomFloat(rng, 126, 127)});
    }
    for (float odd : {1e-40f, -3e-45f, INFINITY, -INFINITY, NAN})
        for (int i = 0; i < 3; ++i) {
            Triple t{1.5f, -2.0f, 0.75f};
            (i == 0 ? t.a : i == 1 ? t.b : t.c) = odd;
            in.push_back(t);
        }
    return in;
}

TEST(VulkanFma, MatchesStdFmaBitForBit) {
    QL_REQUIRE_VULKAN();
    auto* vulkan = dynamic_cast<VulkanBackend*>(vulkanProbe().backend.get());
    ASSERT_NE(vulkan, nullptr);
    const std::vector<Triple> in = fmaInputs();
    const std::vector<DeviceFma> out = fmaOnDevice(vulkan->deviceForTesting(), in);
    size_t wrong = 0, compared = 0, outsideCases = 0, ties = 0;
    for (size_t i = 0; i < in.size(); ++i) {
        const auto [a, b, c] = in[i];
        const float expected = std::fma(a, b, c);
        const bool inRange = normalOrZero(a) && normalOrZero(b) && normalOrZero(c) &&
                             normalOrZero(expected) && std::isfinite(expected);
        if (!inRange) {
            ++outsideCases;
            if (!out[i].outside && wrong++ < 5)
                ADD_FAILURE() << "fma(" << a << ", " << b << ", " << c << ") = " << expected
                              << " is outside the normal range but the shader did not say so";
            continue;
        }
        ++compared;
        // A tie: the exact sum (in double, exact for the short mantissas) halfway between
        // the float it rounds to and that float's neighbour on the sum's side.
        const double exact = double(a) * double(b) + double(c);
        const float nearest = float(exact);
        if (double(nearest) != exact) {
            const float other =
                std::nextafter(nearest, double(nearest) < exact ? INFINITY : -INFINITY);
            ties += std::fabs(exact - double(nearest)) == std::fabs(double(other) - exact);
        }
        const uint32_t want = std::bit_cast<uint32_t>(expected);
        if ((out[i].outside || out[i].bits != want) && wrong++ < 5)
            ADD_FAILURE() << std::hexfloat << "fma(" << a << ", " << b << ", " << c << "): device "
                          << std::bit_cast<float>(out[i].bits)
                          << (out[i].outside ? " (outside)" : "") << ", std::fma " << expected;
    }
    EXPECT_EQ(wrong, 0u) << "of " << in.size();
    std::printf("[fma] %zu compared, %zu outside, %zu ties\n", compared, outsideCases, ties);
    // The suite must reach what it is for: most cases in range, many of them ties.
    EXPECT_GT(compared, 500000u);
    EXPECT_GT(outsideCases, 10000u);
    EXPECT_GT(ties, 1000u);
}

} // namespace
} // namespace ql::test
