// OCP FP8: every code round-trips, the limits and rounding are the spec's, and the
// per-channel variant format stores and measures like the others.
#include "engine/compute/backend.h"
#include "engine/quant/fp8.h"
#include "engine/quant/metrics.h"

#include <atomic>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <gtest/gtest.h>
#include <random>
#include <thread>

namespace ql {
namespace {

bool isNanCode(uint8_t c, Fp8Kind k) {
    return k == Fp8Kind::E4M3FN ? (c & 0x7f) == 0x7f : (c & 0x7f) > 0x7c;
}

bool isInfCode(uint8_t c, Fp8Kind k) {
    return k == Fp8Kind::E5M2 && (c & 0x7f) == 0x7c;
}

TEST(Fp8, EveryFiniteCodeRoundTripsExactly) {
    for (Fp8Kind k : {Fp8Kind::E4M3FN, Fp8Kind::E5M2}) {
        int finite = 0;
        for (int c = 0; c < 256; ++c) {
            const uint8_t code = uint8_t(c);
            const float v = fp8ToFloat(code, k);
            if (isNanCode(code, k)) {
                EXPECT_TRUE(std::isnan(v)) << c;
                EXPECT_TRUE(isNanCode(floatToFp8(v, k), k));
                continue;
            }
            if (isInfCode(code, k)) {
                EXPECT_TRUE(std::isinf(v));
                continue;
            }
            ++finite;
            EXPECT_EQ(floatToFp8(v, k), code) << "code " << c << " value " << v;
        }
        // E4M3FN: 2 NaN codes; E5M2: 2 infinities and 6 NaNs.
        EXPECT_EQ(finite, k == Fp8Kind::E4M3FN ? 254 : 248);
    }
}

TEST(Fp8, LimitsAndSubnormalsAreTheSpecs) {
    EXPECT_EQ(fp8ToFloat(0x7e, Fp8Kind::E4M3FN), 448.0f);
    EXPECT_EQ(fp8ToFloat(0x7b, Fp8Kind::E5M2), 57344.0f);
    EXPECT_EQ(fp8ToFloat(0x01, Fp8Kind::E4M3FN), std::ldexp(1.0f, -9)); // smallest subnormal
    EXPECT_EQ(fp8ToFloat(0x01, Fp8Kind::E5M2), std::ldexp(1.0f, -16));
    // Saturating: beyond the largest finite value gives it, never NaN or Inf.
    EXPECT_EQ(floatToFp8(1e6f, Fp8Kind::E4M3FN), 0x7e);
    EXPECT_EQ(floatToFp8(-1e9f, Fp8Kind::E5M2), 0xfb);
    EXPECT_EQ(floatToFp8(INFINITY, Fp8Kind::E4M3FN), 0x7e);
    // Ties to even: 1.0625 lies halfway between 1.0 (mantissa 000) and 1.125 (001).
    EXPECT_EQ(fp8ToFloat(floatToFp8(1.0625f, Fp8Kind::E4M3FN), Fp8Kind::E4M3FN), 1.0f);
    EXPECT_EQ(fp8ToFloat(floatToFp8(1.1875f, Fp8Kind::E4M3FN), Fp8Kind::E4M3FN), 1.25f);
    EXPECT_EQ(floatToFp8(-0.0f, Fp8Kind::E4M3FN), 0x80);
}

TEST(Fp8, PerChannelFormatBoundsTheRelativeError) {
    std::mt19937 rng(9);
    std::normal_distribution<float> n(0.0f, 0.02f);
    std::vector<float> w(16 * 200);
    for (auto& x : w)
        x = n(rng);
    auto cpu = makeCpuBackend(2);
    for (QuantFormat f : {QuantFormat::Fp8E4M3, QuantFormat::Fp8E5M2}) {
        QuantizedTensor ref, got;
        quantizeReference(f, w, 16, 200, ref);
        cpu->quantize(f, w, 16, 200, got);
        EXPECT_EQ(ref.packed, got.packed);
        const auto deq = ref.dequantize();
        // Relative spacing 2^-3 (E4M3) or 2^-2 (E5M2): half of it bounds normal values;
        // values in the subnormal range of the scaled grid are bounded absolutely.
        const float rel = f == QuantFormat::Fp8E4M3 ? 1.0f / 16 : 1.0f / 8;
        for (int64_t r = 0; r < 16; ++r) {
            float absmax = 0;
            for (int64_t j = 0; j < 200; ++j)
                absmax = std::max(absmax, std::fabs(w[size_t(r * 200 + j)]));
            const float scale =
                absmax / fp8MaxFinite(f == QuantFormat::Fp8E4M3 ? Fp8Kind::E4M3FN : Fp8Kind::E5M2);
            const float subnormalStep =
                scale * (f == QuantFormat::Fp8E4M3 ? std::ldexp(1.0f, -9) : std::ldexp(1.0f, -16));
            for (int64_t j = 0; j < 200; ++j) {
                const float x = w[size_t(r * 200 + j)], d = deq[size_t(r * 200 + j)];
                EXPECT_LE(std::fabs(d - x), rel * std::fabs(x) * 1.0001f + subnormalStep);
            }
        }
        // 8 bits per weight plus one f32 scale per 200-weight row.
        EXPECT_DOUBLE_EQ(measureError(w, ref).bitsPerWeight, 8.0 + 32.0 / 200.0);
    }
}

} // namespace
} // namespace ql

namespace ql {
namespace {

// Floats whose rounding to FP8 is decided by the top mantissa bits, the guard bit and the
// sticky bits: every sign and exponent, every top-5-bit mantissa, and low bits that are
// zero, one, just below a half, a half, just above a half and all ones.
std::vector<float> structuredSweep() {
    std::vector<float> v;
    const uint32_t lows[] = {0u, 1u, 0x1ffffu, 0x20000u, 0x20001u, 0x3ffffu, 0x0ffffu, 0x10000u};
    for (uint32_t sign : {0u, 1u})
        for (uint32_t exponent = 0; exponent < 256; ++exponent)
            for (uint32_t top = 0; top < 32; ++top)
                for (uint32_t low : lows)
                    v.push_back(
                        std::bit_cast<float>((sign << 31) | (exponent << 23) | (top << 18) | low));
    return v;
}

TEST(Fp8Fast, BitLevelEncoderEqualsReferenceOnEveryRoundingCase) {
    for (Fp8Kind k : {Fp8Kind::E4M3FN, Fp8Kind::E5M2}) {
        int64_t checked = 0;
        for (float x : structuredSweep()) {
            ASSERT_EQ(floatToFp8Bits(x, k), floatToFp8(x, k))
                << "x = " << x << " bits 0x" << std::hex << std::bit_cast<uint32_t>(x);
            ++checked;
        }
        for (int c = 0; c < 256; ++c) { // every code's value and its neighbours
            const float v = fp8ToFloat(uint8_t(c), k);
            for (float x : {v, std::nextafter(v, INFINITY), std::nextafter(v, -INFINITY)})
                ASSERT_EQ(floatToFp8Bits(x, k), floatToFp8(x, k)) << "near code " << c;
        }
        EXPECT_GT(checked, 100000);
    }
}

TEST(Fp8Fast, BitLevelEncoderEqualsReferenceOnRandomBits) {
    std::mt19937 rng(77);
    for (Fp8Kind k : {Fp8Kind::E4M3FN, Fp8Kind::E5M2})
        for (int i = 0; i < 2000000; ++i) {
            const float x = std::bit_cast<float>(uint32_t(rng()));
            ASSERT_EQ(floatToFp8Bits(x, k), floatToFp8(x, k)) << x;
        }
    EXPECT_EQ(floatToFp8Bits(NAN, Fp8Kind::E4M3FN), 0x7f);
    EXPECT_EQ(floatToFp8Bits(-INFINITY, Fp8Kind::E5M2), 0xfb); // saturates, never Inf
    EXPECT_EQ(floatToFp8Bits(464.0f, Fp8Kind::E4M3FN), 0x7e);
}

// The vectorised row encoder over rows that mix every edge: zeros, -0, subnormals, ties,
// values that scale to the saturation limit; odd lengths exercise the scalar tail.
TEST(Fp8Fast, CpuRowsEqualReferenceOnEdges) {
    std::mt19937 rng(5);
    std::normal_distribution<float> g(0.0f, 1.0f);
    for (int64_t cols : {1, 15, 16, 17, 333}) {
        std::vector<float> w(size_t(6 * cols));
        for (auto& x : w)
            x = g(rng);
        for (int64_t j = 0; j < cols; ++j) {
            w[size_t(cols + j)] = 0.0f;                                 // a zero row
            w[size_t(2 * cols + j)] = j % 2 ? -0.0f : 1e-30f;           // tiny
            w[size_t(3 * cols + j)] = j == 0 ? 6e4f : 1e-3f * float(j); // 6e4 with tiny
            w[size_t(4 * cols + j)] = 3.25f;                            // constant
        }
        auto cpu = makeCpuBackend(2);
        for (QuantFormat f : {QuantFormat::Fp8E4M3, QuantFormat::Fp8E5M2,
                              QuantFormat::Fp8E4M3Tensor, QuantFormat::Fp8E5M2Tensor}) {
            QuantizedTensor ref, got;
            quantizeReference(f, w, 6, cols, ref);
            cpu->quantize(f, w, 6, cols, got);
            EXPECT_EQ(ref.packed, got.packed) << quantFormatInfo(f).name << " cols " << cols;
        }
    }
}

TEST(Fp8Fast, PerTensorScaleIsStoredOnceAndSharedByRows) {
    std::vector<float> w{1.0f, -2.0f, 448.0f, 0.5f};
    QuantizedTensor q;
    quantizeReference(QuantFormat::Fp8E4M3Tensor, w, 2, 2, q);
    // absmax 448 -> scale 1: codes are the values themselves.
    EXPECT_EQ(q.dequantize(), w);
    EXPECT_EQ(quantizedBytes(QuantFormat::Fp8E4M3Tensor, 2, 2), 4u + 4u);
    EXPECT_EQ(quantizedBytes(QuantFormat::Fp8E4M3Tensor, 4096, 4096), 4096u * 4096u + 4u);
    EXPECT_TRUE(needsWholeTensor(QuantFormat::Fp8E5M2Tensor));
    EXPECT_FALSE(needsWholeTensor(QuantFormat::Fp8E5M2));
}

} // namespace
} // namespace ql

namespace ql {
namespace {

// All 2^32 floats, both kinds: minutes in a Debug build, so only on request.
// By default every 257th bit pattern (16.7 million floats: a prime stride, so every
// exponent and every low mantissa residue is visited); QUANTLENS_EXHAUSTIVE=1 compares all
// 2^32 (minutes).
TEST(Fp8Fast, BitLevelEncoderEqualsReferenceOnEveryFloat) {
    const uint64_t stride = std::getenv("QUANTLENS_EXHAUSTIVE") ? 1 : 257;
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    std::atomic<uint64_t> mismatches{0};
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            const uint64_t begin = (uint64_t(1) << 32) * t / threads;
            const uint64_t end = (uint64_t(1) << 32) * (t + 1) / threads;
            for (uint64_t u = begin - begin % stride; u < end; u += stride) {
                if (u < begin)
                    continue;
                const float x = std::bit_cast<float>(uint32_t(u));
                for (Fp8Kind k : {Fp8Kind::E4M3FN, Fp8Kind::E5M2})
                    if (floatToFp8Bits(x, k) != floatToFp8(x, k))
                        ++mismatches;
            }
        });
    for (auto& th : pool)
        th.join();
    EXPECT_EQ(mismatches.load(), 0u);
}

} // namespace
} // namespace ql
