// ggml's legacy block types: our encoders against the bytes ggml's reference quantizer
// wrote (golden/quant) and against the tensors inside llama-quantize's GGUFs.
#include "engine/compute/backend.h"
#include "engine/model/model.h"
#include "engine/quant/dequantize.h"
#include "engine/quant/metrics.h"
#include "engine/quant/quantize.h"
#include "tests/common/test_data.h"

#include "tests/common/golden_files.h"
#include <cmath>
#include <cstring>
#include <fstream>

#include <gtest/gtest.h>
#include <random>

namespace ql {
namespace {

using test::readBytes;
using test::readFloats;
struct GoldenCase {
    const char* input;
    int64_t rows, cols;
};

const GoldenCase kGoldenInputs[] = {
    {"gauss", 8, 512},
    {"outliers", 8, 512},
    {"edge", 4, 256},
    {"real_attn_q", 64, 64},
    {"real_ffn_gate", 172, 64},
    {"real_attn_q_flat256", 16, 256},
    {"real_ffn_gate_flat256", 43, 256},
};

void expectGoldenBytes(QuantFormat format, const char* typeName) {
    const auto dir = test::dataDir() / "golden" / "quant";
    for (const auto& c : kGoldenInputs) {
        const auto x = readFloats(dir / (std::string(c.input) + ".f32"));
        ASSERT_EQ(int64_t(x.size()), c.rows * c.cols) << c.input;
        QuantizedTensor q;
        quantizeReference(format, x, c.rows, c.cols, q);
        const auto golden = readBytes(dir / (std::string(c.input) + "." + typeName + ".bin"));
        ASSERT_EQ(golden.size(), q.packed.size()) << c.input;
        EXPECT_EQ(0, std::memcmp(golden.data(), q.packed.data(), golden.size()))
            << typeName << " bytes differ from ggml's on " << c.input;
        // And the dequantized values equal ggml's to_float output bit for bit.
        const auto goldenDeq =
            readFloats(dir / (std::string(c.input) + "." + typeName + ".deq.f32"));
        EXPECT_EQ(goldenDeq, q.dequantize()) << c.input;
    }
}

TEST(GgmlLegacyQuant, Q8_0ByteIdenticalToGgmlReference) {
    QL_REQUIRE_DATA();
    expectGoldenBytes(QuantFormat::Q8_0, "Q8_0");
}

TEST(GgmlLegacyQuant, Q4_0ByteIdenticalToGgmlReference) {
    QL_REQUIRE_DATA();
    expectGoldenBytes(QuantFormat::Q4_0, "Q4_0");
}

// llama-quantize wrote these GGUFs from the same F32 weights: every tensor that it
// quantized must come out of our encoder with the same bytes.
void expectSameAsLlamaQuantize(QuantFormat format, const char* file) {
    const auto base = Model::open(test::stories260K());
    const auto quant = Model::open(test::dataDir() / "golden" / file);
    int compared = 0;
    for (const auto& t : quant->tensors()) {
        if (t.dtype != quantFormatInfo(format).storage)
            continue;
        const TensorInfo* src = base->findTensor(t.name);
        ASSERT_NE(src, nullptr) << t.name;
        QuantizedTensor q;
        quantizeReference(format, base->readF32(*src), src->rows(), src->cols(), q);
        const auto bytes = quant->tensorBytes(t);
        ASSERT_EQ(bytes.size(), q.packed.size()) << t.name;
        EXPECT_EQ(0, std::memcmp(bytes.data(), q.packed.data(), bytes.size())) << t.name;
        ++compared;
    }
    EXPECT_GE(compared, 30) << file;
}

TEST(GgmlLegacyQuant, MatchesLlamaQuantizeOnStories260K) {
    QL_REQUIRE_DATA();
    expectSameAsLlamaQuantize(QuantFormat::Q8_0, "stories260K-Q8_0.gguf");
    expectSameAsLlamaQuantize(QuantFormat::Q4_0, "stories260K-Q4_0.gguf");
    expectSameAsLlamaQuantize(QuantFormat::Q4_1, "stories260K-Q4_1.gguf");
    expectSameAsLlamaQuantize(QuantFormat::Q5_0, "stories260K-Q5_0.gguf");
}

// Q5_1 worked by hand from ggml's layout (ggml-common.h block_q5_1: fp16 d, fp16 m, 32
// high bits qh, 16 bytes of low nibbles; element j < 16 in the low nibble of qs[j] and bit
// j of qh, element j + 16 in the high nibble and bit j + 16) and its rounding
// (quantize_row_q5_1_ref: d = (max - min) / 31, code = (uint8_t)((x - min) / d + 0.5f),
// so halves round up). Block 0 holds -2 + 0.25 p(j), p a permutation of 0..31, so
// d = 0.25 and every code is p(j) exactly; block 1 holds 0 and 7.75 (d = 0.25 again) and
// in between values 0.25 (k + 0.5), exact halves, which must take code k + 1.
TEST(GgmlLegacyQuant, Q5_1BytesWorkedByHand) {
    std::vector<float> x(64);
    uint8_t code[64];
    for (int j = 0; j < 32; ++j) {
        code[j] = uint8_t((j * 7) % 32);
        x[size_t(j)] = -2.0f + 0.25f * float(code[j]);
    }
    x[32] = 0.0f;
    x[33] = 7.75f;
    code[32] = 0;
    code[33] = 31;
    for (int j = 34; j < 64; ++j) {
        const int k = (j * 5) % 31; // 0..30: k + 0.5 below 31
        x[size_t(j)] = 0.25f * (float(k) + 0.5f);
        code[j] = uint8_t(k + 1);
    }
    std::vector<uint8_t> expected;
    const uint16_t halfD = 0x3400, halfMin[2] = {0xC000, 0x0000}; // fp16 0.25, -2, 0
    for (int b = 0; b < 2; ++b) {
        const uint8_t* c = code + 32 * b;
        uint32_t qh = 0;
        for (int j = 0; j < 32; ++j)
            qh |= uint32_t(c[j] >> 4) << j;
        for (uint32_t v : {uint32_t(halfD), uint32_t(halfMin[b])})
            expected.insert(expected.end(), {uint8_t(v), uint8_t(v >> 8)});
        for (int k = 0; k < 4; ++k)
            expected.push_back(uint8_t(qh >> (8 * k)));
        for (int j = 0; j < 16; ++j)
            expected.push_back(uint8_t((c[j] & 0xf) | ((c[j + 16] & 0xf) << 4)));
    }
    QuantizedTensor q;
    quantizeReference(QuantFormat::Q5_1, x, 1, 64, q);
    ASSERT_EQ(q.packed.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i)
        EXPECT_EQ(uint8_t(q.packed[i]), expected[i]) << "byte " << i;
    const auto y = q.dequantize();
    for (int j = 0; j < 64; ++j) // d and min are exact in fp16: code * d + min exactly
        EXPECT_EQ(y[size_t(j)], 0.25f * float(code[j]) + (j < 32 ? -2.0f : 0.0f)) << j;
}

// Q5_1 has no golden file here; it must round-trip within half a step of its grid, and
// quantizing its own dequantized values must give the same bytes (grid idempotence).
TEST(GgmlLegacyQuant, Q5_1RoundTripBoundAndIdempotence) {
    std::mt19937 rng(3);
    std::normal_distribution<float> n(0.0f, 0.05f);
    std::vector<float> x(4 * 256);
    for (auto& v : x)
        v = n(rng);
    for (QuantFormat f : {QuantFormat::Q5_1, QuantFormat::Q4_1, QuantFormat::Q8_0}) {
        QuantizedTensor q, again;
        quantizeReference(f, x, 4, 256, q);
        const auto deq = q.dequantize();
        for (size_t b = 0; b < x.size() / 32; ++b) {
            float mn = x[b * 32], mx = x[b * 32];
            for (int j = 0; j < 32; ++j) {
                mn = std::min(mn, x[b * 32 + j]);
                mx = std::max(mx, x[b * 32 + j]);
            }
            const float range = f == QuantFormat::Q8_0 ? 2 * std::max(-mn, mx) : mx - mn;
            const float step = range / float(f == QuantFormat::Q5_1   ? 31
                                             : f == QuantFormat::Q4_1 ? 15
                                                                      : 254);
            for (int j = 0; j < 32; ++j)
                EXPECT_LE(std::fabs(deq[b * 32 + j] - x[b * 32 + j]), 0.5f * step * 1.01f + 2e-4f)
                    << quantFormatInfo(f).name;
        }
        quantizeReference(f, deq, 4, 256, again);
        if (f != QuantFormat::Q4_1 && f != QuantFormat::Q5_1) { // fp16 min: affine grids drift
            EXPECT_EQ(q.packed, again.packed) << quantFormatInfo(f).name;
        }
    }
}

TEST(GgmlLegacyQuant, CpuBackendMatchesReferenceForEveryBlockFormat) {
    auto cpu = makeCpuBackend(2);
    std::mt19937 rng(5);
    std::student_t_distribution<float> t(3.0f);
    std::vector<float> x(300 * 96);
    for (auto& v : x)
        v = 0.02f * t(rng);
    for (QuantFormat f : {QuantFormat::F16, QuantFormat::Q8_0, QuantFormat::Q4_0, QuantFormat::Q4_1,
                          QuantFormat::Q5_0, QuantFormat::Q5_1}) {
        QuantizedTensor ref, got;
        quantizeReference(f, x, 300, 96, ref);
        cpu->quantize(f, x, 300, 96, got);
        EXPECT_EQ(ref.packed, got.packed) << quantFormatInfo(f).name;
    }
}

TEST(GgmlLegacyQuant, RowsThatAreNotWholeBlocksFallBackToF16) {
    EXPECT_EQ(fallbackFormat(QuantFormat::Q4_0, 172), QuantFormat::F16);
    EXPECT_EQ(fallbackFormat(QuantFormat::Q4_0, 64), QuantFormat::Q4_0);
    EXPECT_EQ(fallbackFormat(QuantFormat::Int4G128, 172), QuantFormat::Int4G128);
    // 8.5 bits per weight for Q8_0: 34 bytes per 32 weights.
    EXPECT_EQ(quantizedBytes(QuantFormat::Q8_0, 2, 64), 2u * 68u);
}

} // namespace
} // namespace ql

namespace ql {
namespace {

// Values whose scaled code lands exactly on .5 (ggml rounds those away from zero), and
// values a hair below a half, where a naive +0.5-and-truncate would round up.
TEST(GgmlLegacyQuant, Q8_0CpuPathMatchesReferenceOnTiesAndNearTies) {
    std::vector<float> x(64 * 32);
    for (size_t b = 0; b < 64; ++b) {
        x[b * 32] = 127.0f; // absmax 127: scale 1, codes are round(x)
        for (int j = 1; j < 32; ++j) {
            const float base = float(int(j) - 16) + 0.5f;
            x[b * 32 + j] = b % 2 ? base : std::nextafter(base, 0.0f);
        }
    }
    auto cpu = makeCpuBackend(2);
    QuantizedTensor ref, got;
    quantizeReference(QuantFormat::Q8_0, x, 64, 32, ref);
    cpu->quantize(QuantFormat::Q8_0, x, 64, 32, got);
    EXPECT_EQ(ref.packed, got.packed);
    // Spot check against roundf: -14.5 -> -15, 0.5 -> 1 (away from zero).
    const auto deq = ref.dequantize();
    EXPECT_EQ(deq[32 + 1], -15.0f);
    EXPECT_EQ(deq[32 + 16], 1.0f);
    EXPECT_EQ(deq[16], 0.0f); // just below 0.5
}

} // namespace
} // namespace ql
