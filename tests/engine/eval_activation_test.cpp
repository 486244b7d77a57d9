// Activation capture on stories260K with text A as calibration: the Gram identity
// against multiplying the captured rows out, zero error for unquantized weights, and
// int8 closer to the original output than int4 on every layer.
#include "engine/eval/activation_capture.h"
#include "engine/eval/eval_model.h"
#include "engine/eval/text_file.h"
#include "tests/common/test_data.h"

#include <cmath>
#include <gtest/gtest.h>

namespace {

std::vector<ql::TokenId> calibrationTokens(const ql::Tokenizer& t) {
    return t.tokenize(
        ql::readEvalText(ql::test::dataDir() / "text" / "tinystories_valid_1-500.txt"));
}

ql::RunOptions calibration() {
    ql::RunOptions o;
    o.nCtx = 128;
    o.maxChunks = 6;
    o.threads = 2;
    return o;
}

// Keeps the raw rows of one layer's input besides capturing the Gram matrices.
struct Recorder : ql::ActivationCapture {
    std::string tensor;
    std::vector<float> rows;
    int64_t cols = 0;
    void onLinearInput(const std::string& name, const float* x, int64_t n, int64_t c) override {
        ql::ActivationCapture::onLinearInput(name, x, n, c);
        if (name == tensor) {
            rows.insert(rows.end(), x, x + n * c);
            cols = c;
        }
    }
};

TEST(EvalActivation, GramErrorEqualsTheMultipliedOutRows) {
    QL_REQUIRE_DATA();
    const ql::EvalModel original = ql::openEvalModel(ql::test::stories260K().string(), nullptr);
    const ql::EvalModel int4 = ql::openQuantizedModel(ql::test::stories260K(), "int4-g128");
    Recorder rec;
    rec.tensor = "blk.2.ffn_down.weight";
    auto o = calibration();
    o.threads = 1;
    o.maxChunks = 2;
    ql::captureActivations(*original.forward, calibrationTokens(original.tokenizer), 1, o, rec);
    int64_t rows = 0, cols = 0;
    const float* w = original.forward->linearWeights(rec.tensor, rows, cols);
    const float* q = int4.forward->linearWeights(rec.tensor, rows, cols);
    ASSERT_EQ(rec.cols, cols);
    const int64_t n = int64_t(rec.rows.size()) / cols;
    EXPECT_EQ(n, 2 * 128);
    double signal = 0, noise = 0;
    for (int64_t t = 0; t < n; ++t)
        for (int64_t r = 0; r < rows; ++r) {
            double yw = 0, yq = 0;
            for (int64_t c = 0; c < cols; ++c) {
                yw += double(rec.rows[size_t(t * cols + c)]) * w[r * cols + c];
                yq += double(rec.rows[size_t(t * cols + c)]) * q[r * cols + c];
            }
            signal += yw * yw;
            noise += (yw - yq) * (yw - yq);
        }
    const double direct = std::sqrt(noise / signal);
    const double viaGram = ql::relativeOutputError(*rec.input(rec.tensor), w, q, rows, cols);
    EXPECT_GT(direct, 0.0);
    EXPECT_NEAR(viaGram, direct, 1e-9 * direct + 1e-12);
}

TEST(EvalActivation, UnquantizedIsZeroAndInt8BeatsInt4) {
    QL_REQUIRE_DATA();
    const ql::EvalModel original = ql::openEvalModel(ql::test::stories260K().string(), nullptr);
    const ql::EvalModel same = ql::openEvalModel(ql::test::stories260K().string(), nullptr);
    const ql::EvalModel int8 = ql::openQuantizedModel(ql::test::stories260K(), "int8");
    const ql::EvalModel int4 = ql::openQuantizedModel(ql::test::stories260K(), "int4-g128");
    ql::ActivationCapture capture;
    ql::captureActivations(*original.forward, calibrationTokens(original.tokenizer), 1,
                           calibration(), capture);
    // q/k/v and gate/up share their inputs: 4 per layer and the output projection.
    EXPECT_EQ(capture.inputs().size(), 5u * 4u + 1u);
    const auto zero = ql::layerOutputErrors(capture, *original.forward, *same.forward);
    const auto e8 = ql::layerOutputErrors(capture, *original.forward, *int8.forward);
    const auto e4 = ql::layerOutputErrors(capture, *original.forward, *int4.forward);
    ASSERT_EQ(e8.size(), 5u * 7u + 1u);
    for (size_t i = 0; i < e8.size(); ++i) {
        EXPECT_EQ(zero[i].relError, 0.0) << zero[i].tensor;
        EXPECT_EQ(e8[i].rows, 6 * 128) << e8[i].tensor;
        EXPECT_GT(e8[i].relError, 0.0) << e8[i].tensor;
        EXPECT_LT(e8[i].relError, e4[i].relError) << e8[i].tensor;
        EXPECT_LT(e8[i].relError, 0.05) << e8[i].tensor; // 8 bits: well under 5%
    }
}

} // namespace
