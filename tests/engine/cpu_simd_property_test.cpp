// The vectorised CPU encoders against their scalar references over many random rows:
// every searched encoder in vector lanes (every level this CPU has) against its scalar
// encoder, GGUF Q8_0 / Q4_0's AVX2 and SSE2 bodies against ggml's reference, F16 through
// F16C against floatToHalf, and NF4's AVX2 binary search against bnb's decision tree. Rows mix
// Gaussian and uniform values with exact rounding ties, zeros, outliers, constant and one-signed
// stretches and subnormals, so every branch of the fast paths meets the case that could break it.
#include "engine/compute/cpu/ggml_legacy_cpu_avx2.h"
#include "engine/compute/cpu/ggml_q4_0_cpu.h"
#include "engine/compute/cpu/ggml_q8_0_cpu.h"
#include "engine/compute/cpu/quantize_cpu_avx2.h"
#include "engine/quant/formats.h"
#include "engine/quant/ggml_legacy_quant.h"
#include "engine/quant/imatrix_quantize.h"
#include "engine/quant/kquant_encode.h"
#include "engine/quant/nf4.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <gtest/gtest.h>
#include <limits>
#include <random>
#include <stdexcept>

namespace ql {
namespace {

// One row of n values in the style `kind` picks (0..9), from rng.
std::vector<float> randomRow(int64_t n, int kind, std::mt19937& rng) {
    std::normal_distribution<float> gauss(0.0f, 0.02f);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    std::vector<float> x(size_t(n), 0.0f);
    for (auto& v : x)
        v = kind % 2 == 0 ? gauss(rng) : uniform(rng);
    switch (kind) {
    case 2: // on a coarse grid: many exact ties of x * id against .5
        for (auto& v : x)
            v = std::round(v * 256.0f) / 128.0f;
        break;
    case 3: // outliers
        for (size_t i = 0; i < x.size(); i += 29)
            x[i] *= 300.0f;
        break;
    case 4: // runs of zeros and constants
        for (size_t i = 0; i < x.size(); ++i)
            if ((i / 32) % 3 == 0)
                x[i] = (i / 96) % 2 == 0 ? 0.0f : 0.375f;
        break;
    case 5: // one-signed
        for (auto& v : x)
            v = -std::fabs(v) - 0.01f;
        break;
    case 6: // positive, away from zero (min raised to 0)
        for (auto& v : x)
            v = std::fabs(v) + 0.5f;
        break;
    case 7: // subnormals next to ordinary values
        for (size_t i = 0; i < x.size(); ++i)
            if ((i / 32) % 2 == 0)
                x[i] = std::numeric_limits<float>::denorm_min() * float(int(i % 7) - 3);
        break;
    case 8: // the largest magnitude twice with both signs
        for (size_t b = 0; b + 32 <= x.size(); b += 32) {
            x[b + (b / 32) % 16] = (b / 32) % 2 ? 2.0f : -2.0f;
            x[b + 31 - (b / 32) % 16] = (b / 32) % 2 ? -2.0f : 2.0f;
        }
        break;
    default:
        break;
    }
    return x;
}

// An importance vector in the style `kind` picks: llama-imatrix's mean squared activations
// span many decades, some columns are never active (0), a few dominate.
std::vector<float> randomImportance(int64_t n, int kind, std::mt19937& rng) {
    std::uniform_real_distribution<float> decades(-4.0f, 4.0f);
    std::vector<float> w(static_cast<size_t>(n));
    for (auto& v : w)
        v = std::pow(10.0f, decades(rng));
    if (kind % 3 == 1) // dead columns, a whole sub-block of them among others
        for (size_t i = 0; i < w.size(); ++i)
            if (i % 7 == 0 || (i >= 48 && i < 64))
                w[i] = 0.0f;
    if (kind % 3 == 2) // one dominant column per block of 32
        for (size_t i = 0; i < w.size(); i += 32)
            w[i + (i / 32) % 32] = 1e6f;
    return w;
}

// Every searched encoder through quantizeRowInLanes (K-quants and IQ4_NL with and without
// an importance vector, Q4_0/Q4_1/Q5_0/Q5_1 with one) against its scalar encoder, at every
// level this CPU has. Legacy and IQ4_NL rows of 133 blocks of 32 span three of the legacy
// encoder's runs of 64 and leave the lanes a tail.
TEST(CpuSimdProperty, EverySearchedEncoderInLanesEqualsScalar) {
    struct Case {
        DType type;
        bool importance;
    };
    const Case cases[] = {{DType::Q2_K, false}, {DType::Q2_K, true},   {DType::Q3_K, false},
                          {DType::Q3_K, true},  {DType::Q4_K, false},  {DType::Q4_K, true},
                          {DType::Q5_K, false}, {DType::Q5_K, true},   {DType::Q6_K, false},
                          {DType::Q6_K, true},  {DType::IQ4_NL, true}, {DType::Q4_0, true},
                          {DType::Q4_1, true},  {DType::Q5_0, true},   {DType::Q5_1, true}};
    std::mt19937 rng(11);
    int compared = 0;
    for (const Case& c : cases) {
        const auto& info = dtypeInfo(c.type);
        const int64_t n = info.blockSize == 256 ? 256 * 7 : 32 * 133;
        const size_t bytes = size_t(n / info.blockSize) * size_t(info.typeSize);
        const ImportanceRowEncoder scalarRow = info.blockSize == 256 || c.type == DType::IQ4_NL
                                                   ? kquantRowEncoder(c.type)
                                                   : importanceRowEncoder(c.type);
        std::vector<std::byte> scalar(bytes), lanes(bytes);
        for (int row = 0; row < 200; ++row) {
            const auto x = randomRow(n, row % 10, rng);
            const auto w = randomImportance(n, row % 9, rng);
            const float* imp = c.importance ? w.data() : nullptr;
            scalarRow(x.data(), scalar.data(), n, imp);
            for (SimdLevel level : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512}) {
                if (level > detectedSimdLevel())
                    continue;
                compared += level != SimdLevel::Scalar;
                std::fill(lanes.begin(), lanes.end(), std::byte{0xCD});
                quantizeRowInLanes(c.type, x.data(), lanes.data(), n, imp, level);
                for (size_t b = 0; b < bytes; b += size_t(info.typeSize))
                    ASSERT_EQ(0, std::memcmp(scalar.data() + b, lanes.data() + b, info.typeSize))
                        << info.name << (c.importance ? " with importance" : "") << ", row " << row
                        << " (kind " << row % 10 << "), level " << int(level) << ", block "
                        << b / size_t(info.typeSize);
            }
        }
    }
    if (compared == 0)
        GTEST_SKIP() << "this CPU has no AVX2: only the scalar encoders ran";
}

// A type without a searched encoder, or a legacy type without importance, is refused.
TEST(CpuSimdProperty, InLanesRefusesTypesWithoutASearch) {
    std::vector<float> x(256, 0.5f);
    std::vector<std::byte> out(1024);
    EXPECT_THROW(
        quantizeRowInLanes(DType::Q8_0, x.data(), out.data(), 256, nullptr, detectedSimdLevel()),
        std::logic_error);
    EXPECT_THROW(
        quantizeRowInLanes(DType::Q4_0, x.data(), out.data(), 256, nullptr, detectedSimdLevel()),
        std::logic_error);
}

template <typename Block>
void expectRowsEqual(void (*ref)(const float*, std::byte*, int64_t),
                     void (*fast)(const float*, std::byte*, int64_t), const char* name) {
    std::mt19937 rng(7);
    const int64_t n = 32 * 40;
    std::vector<std::byte> want(size_t(n / 32) * sizeof(Block)), got(want.size());
    for (int row = 0; row < 400; ++row) {
        const auto x = randomRow(n, row % 10, rng);
        ref(x.data(), want.data(), n);
        std::fill(got.begin(), got.end(), std::byte{0xCD});
        fast(x.data(), got.data(), n);
        for (size_t b = 0; b < want.size(); b += sizeof(Block))
            ASSERT_EQ(0, std::memcmp(want.data() + b, got.data() + b, sizeof(Block)))
                << name << ", row " << row << " (kind " << row % 10 << "), block "
                << b / sizeof(Block);
    }
}

TEST(CpuSimdProperty, Q8_0AndQ4_0EqualTheReferenceOnRandomRows) {
    // The dispatching entry points (AVX2 where the CPU has it, SSE2 otherwise) ...
    expectRowsEqual<BlockQ8_0>(quantizeRowQ8_0Ref, quantizeRowQ8_0Cpu, "Q8_0");
    expectRowsEqual<BlockQ4_0>(quantizeRowQ4_0Ref, quantizeRowQ4_0Cpu, "Q4_0");
    if (!cpuHasAvx2())
        GTEST_SKIP() << "this CPU has no AVX2: only the SSE2 bodies ran";
    // ... and the AVX2 bodies by name.
    expectRowsEqual<BlockQ8_0>(quantizeRowQ8_0Ref, quantizeRowQ8_0Avx2, "Q8_0 AVX2");
    expectRowsEqual<BlockQ4_0>(quantizeRowQ4_0Ref, quantizeRowQ4_0Avx2, "Q4_0 AVX2");
}

// GGUF F16 through F16C against floatToHalf, bit for bit: every combination of a float's
// top 20 bits (sign, exponent, and the mantissa bits a half keeps plus the one that decides
// its rounding: bit 12 set with nothing below is a tie, for subnormal halves the ties lie
// higher up) with low bits that are zero, just above it or just below the next, and NaNs
// with payloads and both signs mixed into otherwise clean vectors.
TEST(CpuSimdProperty, F16ConversionEqualsFloatToHalfOnEveryRoundingCase) {
    if (!cpuHasF16c())
        GTEST_SKIP() << "this CPU has no F16C: only floatToHalf runs";
    const uint32_t lows[] = {0x000, 0x001, 0x7ff, 0x800, 0xfff};
    std::vector<float> x;
    x.reserve((size_t(1) << 20) * std::size(lows) + 64);
    for (uint32_t top = 0; top < (1u << 20); ++top)
        for (uint32_t low : lows) {
            x.push_back(std::bit_cast<float>((top << 12) | low));
        }
    for (uint32_t nan : {0x7fc00000u, 0x7f800001u, 0xffc00000u, 0x7fffffffu, 0xff812345u})
        for (int at = 0; at < 9; ++at) // NaN at every position of a vector, and in the tail
            x.insert(x.begin() + 8 * 1000 + at * 9, std::bit_cast<float>(nan));
    const int64_t n = int64_t(x.size());
    std::vector<std::byte> want(size_t(n) * 2), got(size_t(n) * 2, std::byte{0xCD});
    convertRowF16(x.data(), want.data(), n);
    convertRowF16F16c(x.data(), got.data(), n);
    for (int64_t j = 0; j < n; ++j)
        ASSERT_EQ(0, std::memcmp(want.data() + 2 * j, got.data() + 2 * j, 2))
            << "float bits 0x" << std::hex << std::bit_cast<uint32_t>(x[size_t(j)]);
}

TEST(CpuSimdProperty, Nf4BinarySearchEqualsTheDecisionTree) {
    if (!cpuHasAvx2())
        GTEST_SKIP() << "this CPU has no AVX2";
    std::vector<float> v;
    for (float t : nf4Thresholds())
        for (float d : {-1.0f, 1.0f})
            v.insert(v.end(), {t, std::nextafter(t, d * 2.0f), -t, std::nextafter(-t, d * 2.0f)});
    v.insert(v.end(),
             {0.0f, -0.0f, 1.0f, -1.0f, 2.0f, -2.0f, std::nanf(""),
              std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()});
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> u(-1.05f, 1.05f);
    while (v.size() % 8 != 0 || v.size() < 100000)
        v.push_back(u(rng));
    std::vector<int8_t> codes(v.size(), -1);
    encodeNf4Avx2(v.data(), int64_t(v.size()), 1.0f, codes.data());
    for (size_t i = 0; i < v.size(); ++i)
        ASSERT_EQ(int(codes[i]), int(nf4Code(v[i]))) << "value " << v[i] << " at " << i;
}

} // namespace
} // namespace ql
