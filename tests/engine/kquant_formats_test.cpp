// The K-quant and IQ4_NL formats in the format table: names, storage, llama-quantize's
// fallbacks for rows that are not whole super-blocks, round-trip error bounds in the
// manner of ggml's test-quantize-fns, edge rows, and the importance-vector API.
#include "engine/core/error.h"
#include "engine/quant/kquant_encode.h"
#include "engine/quant/quantize.h"

#include <cmath>
#include <gtest/gtest.h>

namespace ql {
namespace {

struct Expected {
    QuantFormat format;
    const char* name;
    DType storage;
    QuantFormat fallback64; // stories260K's 64-column matrices
};

const Expected kFormats[] = {
    {QuantFormat::Q2_K, "q2_k", DType::Q2_K, QuantFormat::IQ4_NL},
    {QuantFormat::Q3_K, "q3_k", DType::Q3_K, QuantFormat::IQ4_NL},
    {QuantFormat::Q4_K, "q4_k", DType::Q4_K, QuantFormat::Q5_0},
    {QuantFormat::Q5_K, "q5_k", DType::Q5_K, QuantFormat::Q5_1},
    {QuantFormat::Q6_K, "q6_k", DType::Q6_K, QuantFormat::Q8_0},
    {QuantFormat::IQ4_NL, "iq4_nl", DType::IQ4_NL, QuantFormat::IQ4_NL},
};

TEST(KQuantFormats, RegisteredByNameWithTheirStorageType) {
    for (const auto& e : kFormats) {
        ASSERT_EQ(quantFormatFromName(e.name), e.format) << e.name;
        const auto& info = quantFormatInfo(e.format);
        EXPECT_EQ(info.kind, QuantKind::Block);
        EXPECT_EQ(info.storage, e.storage);
        EXPECT_EQ(quantizedBytes(e.format, 3, 512), 3 * *dtypeBytes(e.storage, 512));
    }
}

// llama_tensor_get_type: K-quant rows that are not whole super-blocks take a substitute,
// and F16 when the substitute's blocks of 32 do not fit either (stories260K's ffn_down).
TEST(KQuantFormats, FallbacksAreLlamaQuantizes) {
    for (const auto& e : kFormats) {
        EXPECT_EQ(fallbackFormat(e.format, 512), e.format) << e.name;
        EXPECT_EQ(fallbackFormat(e.format, 64), e.fallback64) << e.name;
        EXPECT_EQ(fallbackFormat(e.format, 172), QuantFormat::F16) << e.name;
    }
}

// ggml's test-quantize-fns: 0.1 + 2 cos(i), error sqrt(sum d^2) / n below a per-type limit
// (0.002; 0.0075 for 2 bits, 0.0040 for 3 bits).
TEST(KQuantFormats, RoundTripWithinGgmlLimits) {
    const int64_t n = 32 * 128;
    std::vector<float> x(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
        x[size_t(i)] = 0.1f + 2.0f * std::cos(float(i));
    for (const auto& e : kFormats) {
        QuantizedTensor q;
        quantizeReference(e.format, x, 1, n, q);
        const auto y = q.dequantize();
        double sum = 0.0;
        for (int64_t i = 0; i < n; ++i)
            sum += (double(x[size_t(i)]) - y[size_t(i)]) * (double(x[size_t(i)]) - y[size_t(i)]);
        const double limit = e.format == QuantFormat::Q2_K   ? 0.0075
                             : e.format == QuantFormat::Q3_K ? 0.0040
                                                             : 0.002;
        EXPECT_LT(std::sqrt(sum) / double(n), limit) << e.name;
    }
}

// All zeros decode to zeros; a constant row, tiny values beside 6e4 and huge values stay
// finite and within the format's coarsest step.
TEST(KQuantFormats, EdgeRowsStayFinite) {
    const int64_t n = 256;
    std::vector<float> x(static_cast<size_t>(4 * n), 0.0f);
    for (int64_t i = 0; i < n; ++i) {
        x[size_t(n + i)] = 0.7f;
        x[size_t(2 * n + i)] = (i % 2) ? 6e4f : ((i % 4) ? -1e-30f : 1e-30f);
        x[size_t(3 * n + i)] = (i % 3 == 0) ? -3e4f : 1.0f;
    }
    for (const auto& e : kFormats) {
        QuantizedTensor q;
        quantizeReference(e.format, x, 4, n, q);
        const auto y = q.dequantize();
        for (int64_t i = 0; i < n; ++i)
            ASSERT_EQ(y[size_t(i)], 0.0f) << e.name << " zero row, element " << i;
        for (int64_t i = n; i < 4 * n; ++i)
            ASSERT_TRUE(std::isfinite(y[size_t(i)])) << e.name << " element " << i;
        for (int64_t i = n; i < 2 * n; ++i)
            EXPECT_NEAR(y[size_t(i)], 0.7f, 0.7f / 2.0f) << e.name << " constant row";
    }
}

TEST(KQuantFormats, ImportanceMustFitTheRow) {
    std::vector<float> x(512, 0.5f), wrongLength(100, 1.0f), negative(512, 1.0f);
    negative[7] = -1.0f;
    QuantizedTensor q;
    EXPECT_THROW(quantizeKQuantReference(QuantFormat::Q4_K, x, 1, 512, wrongLength, q), Error);
    try {
        quantizeKQuantReference(QuantFormat::Q4_K, x, 1, 512, negative, q);
        FAIL() << "a negative weight was accepted";
    } catch (const Error& err) {
        EXPECT_NE(std::string(err.what()).find("weight 7"), std::string::npos) << err.what();
    }
    EXPECT_THROW(quantizeKQuantReference(QuantFormat::Q4_K, x, 1, 172 * 2, {}, q), Error);
}

// With importance, error moves to the columns that matter less: the weighted error drops
// against the plain encoder on the same rows.
TEST(KQuantFormats, ImportanceLowersWeightedError) {
    const int64_t rows = 16, cols = 512;
    std::vector<float> x(size_t(rows * cols)), imp(static_cast<size_t>(cols));
    for (int64_t i = 0; i < rows * cols; ++i)
        x[size_t(i)] =
            0.02f * std::sin(0.37f * float(i)) + 0.01f * std::cos(1.91f * float(i * i % 97));
    for (int64_t j = 0; j < cols; ++j)
        imp[size_t(j)] = (j % 8 == 0) ? 50.0f : 0.1f;
    for (const auto& e : kFormats) {
        QuantizedTensor plain, weighted;
        quantizeKQuantReference(e.format, x, rows, cols, {}, plain);
        quantizeKQuantReference(e.format, x, rows, cols, imp, weighted);
        const auto yp = plain.dequantize(), yw = weighted.dequantize();
        double ep = 0.0, ew = 0.0;
        for (int64_t i = 0; i < rows * cols; ++i) {
            const double w = imp[size_t(i % cols)];
            ep += w * (yp[size_t(i)] - x[size_t(i)]) * (yp[size_t(i)] - x[size_t(i)]);
            ew += w * (yw[size_t(i)] - x[size_t(i)]) * (yw[size_t(i)] - x[size_t(i)]);
        }
        EXPECT_LT(ew, ep) << e.name;
    }
}

} // namespace
} // namespace ql
