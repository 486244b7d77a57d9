// The vector FP8 encoders (AVX2 and AVX-512 bodies of the CPU path) against the scalar
// reference floatToFp8, both kinds. With a scale of 1 the encoders' division is exact, so
// this checks their bit manipulation itself: rounding ties, carries into the exponent,
// subnormals, the saturation boundary, infinities and NaNs. The reference is monotone in
// |x| (round to nearest is), so its codes are runs between at most 127 boundaries, found
// by bisection on floatToFp8 itself; the expected codes of a chunk of consecutive bit
// patterns are then a few memsets. By default a dense sample (every 61st chunk of 65536
// patterns plus every chunk holding a boundary: seconds); QUANTLENS_EXHAUSTIVE=1 checks
// all 2^32 patterns (about four minutes in a Debug build on two busy cores).
#include "engine/compute/cpu/quantize_cpu_avx2.h"
#include "engine/compute/cpu/quantize_cpu_avx512.h"
#include "engine/quant/fp8.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <gtest/gtest.h>
#include <string>
#include <thread>
#include <vector>

namespace ql {
namespace {

using Encoder = void (*)(const float*, uint8_t*, int64_t, Fp8Kind, float);

// first[c]: the smallest magnitude bit pattern whose reference code is >= c (c >= 1).
std::vector<uint32_t> codeBoundaries(Fp8Kind kind) {
    const uint8_t maxCode = fp8Bits(kind).maxCode;
    std::vector<uint32_t> first(size_t(maxCode) + 1, 0);
    for (int c = 1; c <= maxCode; ++c) {
        uint32_t lo = 0, hi = 0x7f800000u; // floatToFp8(+inf) = maxCode
        while (lo < hi) {
            const uint32_t mid = lo + (hi - lo) / 2;
            if (floatToFp8(std::bit_cast<float>(mid), kind) >= c)
                hi = mid;
            else
                lo = mid + 1;
        }
        first[size_t(c)] = lo;
    }
    return first;
}

// Reference codes of the patterns [begin, begin + n), all of one sign, into out.
void expectedCodes(uint32_t begin, int64_t n, Fp8Kind kind, const std::vector<uint32_t>& first,
                   uint8_t* out) {
    const uint32_t sign = begin & 0x80000000u;
    const uint8_t signCode = sign ? 0x80 : 0x00;
    int64_t j = 0;
    while (j < n) {
        const uint32_t a = (begin + uint32_t(j)) & 0x7fffffffu;
        if (a > 0x7f800000u) { // NaN: the rest of this sign's patterns
            std::memset(out + j, fp8Bits(kind).nanCode, size_t(n - j));
            return;
        }
        // The code of a, and where its run ends.
        const auto next = std::upper_bound(first.begin() + 1, first.end(), a);
        const int code = int(next - first.begin()) - 1;
        const uint64_t runEnd = next == first.end() ? 0x7f800001u : *next; // inf saturates
        const int64_t len = std::min<int64_t>(n - j, int64_t(runEnd - a));
        std::memset(out + j, signCode | code, size_t(len));
        j += len;
    }
}

struct Case {
    std::string name;
    Encoder encode;
    Fp8Kind kind;
    std::vector<uint32_t> first;
};

constexpr int64_t kChunk = 1 << 16;
constexpr uint64_t kChunks = (uint64_t(1) << 32) / kChunk;

// The chunks of kChunk consecutive patterns to check: all of them when
// QUANTLENS_EXHAUSTIVE is set (minutes in a Debug build), else every 61st (a prime
// stride: every exponent, both signs) and each one holding a code boundary, the smallest
// normal, the largest finite value, infinity or a NaN, with either sign.
std::vector<uint64_t> chunksToCheck(const std::vector<Case>& cases) {
    std::vector<uint64_t> chunks;
    const bool all = std::getenv("QUANTLENS_EXHAUSTIVE") != nullptr;
    for (uint64_t c = 0; c < kChunks; ++c)
        if (all || c % 61 == 0)
            chunks.push_back(c);
    if (all)
        return chunks;
    for (const Case& k : cases) {
        const Fp8Bits b = fp8Bits(k.kind);
        std::vector<uint32_t> edges(k.first.begin() + 1, k.first.end());
        edges.insert(edges.end(),
                     {b.minNormalBits, b.maxFiniteBits, 0x7f800000u, 0x7f800001u, 0x7fffffffu});
        for (uint32_t e : edges)
            for (uint32_t sign : {0u, 0x80000000u})
                for (uint32_t u : {e - 1, e, e + 1})
                    chunks.push_back(uint64_t((u & 0x7fffffffu) | sign) / kChunk);
    }
    std::sort(chunks.begin(), chunks.end());
    chunks.erase(std::unique(chunks.begin(), chunks.end()), chunks.end());
    return chunks;
}

// Each chunk through every case; failures name the first few patterns.
int64_t mismatches(const std::vector<Case>& cases, const std::vector<uint64_t>& chunks) {
    const unsigned threads = std::max(2u, std::thread::hardware_concurrency());
    std::atomic<size_t> next{0};
    std::atomic<int64_t> bad{0};
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
        pool.emplace_back([&] {
            std::vector<uint32_t> bits(kChunk);
            std::vector<uint8_t> want(kChunk), got(kChunk);
            for (size_t i = next++; i < chunks.size(); i = next++) {
                const uint32_t begin = uint32_t(chunks[i] * kChunk);
                for (int64_t j = 0; j < kChunk; ++j)
                    bits[size_t(j)] = begin + uint32_t(j);
                for (const Case& k : cases) {
                    k.encode(reinterpret_cast<const float*>(bits.data()), got.data(), kChunk,
                             k.kind, 1.0f);
                    expectedCodes(begin, kChunk, k.kind, k.first, want.data());
                    if (std::memcmp(got.data(), want.data(), kChunk) == 0)
                        continue;
                    for (int64_t j = 0; j < kChunk; ++j)
                        if (got[size_t(j)] != want[size_t(j)] && bad++ < 5)
                            ADD_FAILURE()
                                << k.name << ", bits 0x" << std::hex << begin + uint32_t(j)
                                << ": got 0x" << int(got[size_t(j)]) << ", want 0x"
                                << int(want[size_t(j)]);
                }
            }
        });
    for (auto& th : pool)
        th.join();
    return bad.load();
}

TEST(CpuFp8Encoder, BoundariesAreTheReferenceRoundingPoints) {
    // E4M3: 0.96875 (between 0.9375 = 0x37 and 1 = 0x38) ties to the even 0x38; 1.0625
    // ties down to 0x38; 432 ties up to 448 = 0x7e; half the smallest subnormal ties to 0.
    const auto e4 = codeBoundaries(Fp8Kind::E4M3FN);
    EXPECT_EQ(e4[0x38], std::bit_cast<uint32_t>(0.96875f));
    EXPECT_EQ(e4[0x39], std::bit_cast<uint32_t>(1.0625f) + 1);
    EXPECT_EQ(e4[0x7e], std::bit_cast<uint32_t>(432.0f));
    EXPECT_EQ(e4[1], std::bit_cast<uint32_t>(std::ldexp(1.0f, -10)) + 1);
    // E5M2: 53248, between 49152 = 0x7a and 57344 = 0x7b, ties down to the even 0x7a.
    const auto e5 = codeBoundaries(Fp8Kind::E5M2);
    EXPECT_EQ(e5[0x7b], std::bit_cast<uint32_t>(53248.0f) + 1);
}

TEST(CpuFp8Encoder, VectorBodiesEqualTheReferenceOnFloats) {
    std::vector<Case> cases;
    for (Fp8Kind kind : {Fp8Kind::E4M3FN, Fp8Kind::E5M2}) {
        const std::string k = kind == Fp8Kind::E4M3FN ? " E4M3" : " E5M2";
        if (cpuHasAvx2())
            cases.push_back({"AVX2" + k, encodeFp8Avx2, kind, codeBoundaries(kind)});
        if (cpuHasAvx512())
            cases.push_back({"AVX-512" + k, encodeFp8Avx512, kind, codeBoundaries(kind)});
    }
    if (cases.empty())
        GTEST_SKIP() << "no AVX2 on this CPU: only the SSE2 body runs (fp8_test covers it)";
    const auto chunks = chunksToCheck(cases);
    EXPECT_GE(chunks.size(), kChunks / 61);
    EXPECT_EQ(mismatches(cases, chunks), 0);
}

} // namespace
} // namespace ql
