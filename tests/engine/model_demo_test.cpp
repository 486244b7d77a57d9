// The generated demo model: deterministic bytes, a Llama config that Model::open reads
// back, and the statistics it promises (heavy tails, outlier input channels).
#include "engine/model/demo_model.h"
#include "engine/model/det_random.h"
#include "engine/model/model.h"
#include "tests/common/temp_dir.h"
#include "tests/engine/model_test_util.h"

#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>
#include <xxhash.h>

namespace ql {
namespace {

class DemoModel : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_dir = new test::TempDir;
        writeDemoModel(*s_dir / "demo.gguf");
        s_model = Model::open(*s_dir / "demo.gguf").release();
    }
    static void TearDownTestSuite() {
        delete s_model;
        delete s_dir;
    }
    static inline test::TempDir* s_dir = nullptr;
    static inline Model* s_model = nullptr;
};

double kurtosis(const std::vector<float>& v) {
    double mean = 0, m2 = 0, m4 = 0;
    for (float x : v)
        mean += x;
    mean /= double(v.size());
    for (float x : v) {
        const double d = x - mean;
        m2 += d * d;
        m4 += d * d * d * d;
    }
    m2 /= double(v.size());
    m4 /= double(v.size());
    return m4 / (m2 * m2);
}

TEST_F(DemoModel, SameBytesEveryTime) {
    writeDemoModel(*s_dir / "again.gguf");
    const auto a = test::readBytes(*s_dir / "demo.gguf");
    const auto b = test::readBytes(*s_dir / "again.gguf");
    EXPECT_EQ(a, b);
    // Pinned: a change here changes every figure computed from the demo workspace.
    EXPECT_EQ(XXH64(a.data(), a.size(), 0), 0xcfff0416fffcc384ull)
        << std::hex << XXH64(a.data(), a.size(), 0);
    const auto q = s_model->readF32(*s_model->findTensor("blk.0.attn_q.weight"));
    EXPECT_EQ(q[0], 0.0028647603467106819f) << q[0];
    EXPECT_EQ(q[1], -0.025060739368200302f) << q[1];
}

TEST_F(DemoModel, OpensWithTheLlamaConfig) {
    const ModelConfig& c = s_model->config();
    EXPECT_EQ(c.architecture, "llama");
    EXPECT_EQ(c.nLayer, 4);
    EXPECT_EQ(c.nHead, 8);
    EXPECT_EQ(c.nHeadKv, 4);
    EXPECT_EQ(c.headDim, 32);
    EXPECT_EQ(c.nEmbd, 256);
    EXPECT_EQ(c.nFf, 688);
    EXPECT_EQ(c.vocabSize, 1024);
    EXPECT_EQ(c.contextLength, 1024);
    EXPECT_FLOAT_EQ(float(c.rmsNormEps), 1e-5f);
    EXPECT_EQ(c.ropeFreqBase, 10000.0);
    EXPECT_EQ(s_model->tensors().size(), 3u + 9u * 4u);
    EXPECT_EQ(s_model->parameterCount(), 3426560);
    EXPECT_EQ(s_model->findTensor("token_embd.weight")->dtype, DType::F16);
    EXPECT_EQ(s_model->findTensor("blk.3.attn_k.weight")->shape, (std::vector<int64_t>{128, 256}));
    EXPECT_EQ(s_model->findTensor("blk.3.ffn_down.weight")->shape,
              (std::vector<int64_t>{256, 688}));
    const auto& tokens = *s_model->metadata().at("tokenizer.ggml.tokens").asArray();
    EXPECT_EQ(*tokens[1].asString(), "<s>");
    EXPECT_EQ(*tokens[3 + 0x41].asString(), "<0x41>");
}

TEST_F(DemoModel, WeightsAreHeavyTailedWithRealisticScale) {
    const auto w = s_model->readF32(*s_model->findTensor("blk.2.attn_output.weight"));
    double ss = 0;
    for (float x : w)
        ss += double(x) * x;
    EXPECT_NEAR(std::sqrt(ss / double(w.size())), kDemoWeightStd, 0.002);
    const double k = kurtosis(w); // Student-t(4): unbounded in theory, ~10-20 in samples
    std::printf("    kurtosis of blk.2.attn_output.weight: %.2f\n", k);
    EXPECT_GT(k, 5.0);
    EXPECT_LT(k, 100.0);
    const auto norm = s_model->readF32(*s_model->findTensor("blk.2.ffn_norm.weight"));
    double mean = 0;
    for (float x : norm)
        mean += x;
    EXPECT_NEAR(mean / double(norm.size()), 1.0, 0.02);
}

std::vector<double> columnRms(const std::vector<float>& w, int64_t cols) {
    std::vector<double> rms(size_t(cols), 0.0);
    const size_t rows = w.size() / size_t(cols);
    for (size_t r = 0; r < rows; ++r)
        for (size_t c = 0; c < size_t(cols); ++c)
            rms[c] += double(w[r * size_t(cols) + c]) * w[r * size_t(cols) + c];
    for (auto& x : rms)
        x = std::sqrt(x / double(rows));
    return rms;
}

TEST_F(DemoModel, OutlierInputChannels) {
    for (const char* name : {"blk.0.attn_q.weight", "blk.3.ffn_up.weight"}) {
        const TensorInfo& t = *s_model->findTensor(name);
        const auto rms = columnRms(s_model->readF32(t), t.cols());
        auto sorted = rms;
        std::sort(sorted.begin(), sorted.end());
        const double median = sorted[sorted.size() / 2];
        for (size_t k = 0; k < std::size(kDemoOutlierColumns); ++k) {
            const double ratio = rms[size_t(kDemoOutlierColumns[k])] / median;
            EXPECT_GT(ratio, 8.0) << name << " column " << kDemoOutlierColumns[k];
            EXPECT_LT(ratio, 40.0) << name << " column " << kDemoOutlierColumns[k];
        }
        EXPECT_LT(sorted[sorted.size() - 5] / median, 5.0) << name; // only those few
    }
    const TensorInfo& o = *s_model->findTensor("blk.0.attn_output.weight");
    const auto rms = columnRms(s_model->readF32(o), o.cols());
    // Heavy tails alone may lift a column's RMS a little, never tenfold.
    EXPECT_LT(*std::max_element(rms.begin(), rms.end()) / kDemoWeightStd, 5.0);
}

TEST(DemoRandom, LogIsAccurateAndStreamsArePinned) {
    for (double x : {1e-300, 1e-9, 0.001, 0.5, 0.70710678, 1.0, 1.5, 2.0, 10.0, 12345.678, 1e300})
        EXPECT_NEAR(detLog(x), std::log(x), 4e-16 * std::max(1.0, std::fabs(std::log(x)))) << x;
    DetRandom rng(42);
    EXPECT_EQ(rng.next(), 1546998764402558742ull);
    double sum = 0, sq = 0;
    for (int i = 0; i < 100000; ++i) {
        const double z = rng.normal();
        sum += z;
        sq += z * z;
    }
    EXPECT_NEAR(sum / 1e5, 0.0, 0.02);
    EXPECT_NEAR(sq / 1e5, 1.0, 0.02);
}

} // namespace
} // namespace ql
