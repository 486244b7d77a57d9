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
