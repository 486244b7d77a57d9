// Quantizing a real model end to end into a real workspace file.
#include "engine/core/error.h"
#include "engine/jobs/quantize_job.h"
#include "engine/model/gguf_writer.h"
#include "engine/model/model.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <atomic>
#include <cmath>
#include <gtest/gtest.h>
#include <limits>

namespace ql {
namespace {

QuantizeOutcome quantize(const std::filesystem::path& model, QuantFormat f, Workspace& ws) {
    BackendSet backends(BackendSet::Preference::Cpu);
    JobContext ctx;
    return quantizeModel({model, f, {}}, ws, backends, ctx);
}

TEST(QuantizeJob, Stories260KInt8AndInt4AreStoredWithMetrics) {
    QL_REQUIRE_DATA();
    test::TempDir dir;
    Workspace ws(dir / "ws.quantlens");
    const auto int8 = quantize(test::stories260K(), QuantFormat::Int8PerChannel, ws);
    const auto int4 = quantize(test::stories260K(), QuantFormat::Int4G128, ws);
    EXPECT_EQ(int8.modelId, int4.modelId);
    // 5 layers x 7 projections + token_embd + output: every 2-D float tensor.
    ASSERT_EQ(int8.metrics.size(), 37u);
    const auto stored8 = ws.tensorMetrics(int8.variantId);
    const auto stored4 = ws.tensorMetrics(int4.variantId);
    ASSERT_EQ(stored8.size(), 37u);
    ASSERT_EQ(stored4.size(), 37u);
    for (size_t i = 0; i < stored8.size(); ++i) {
        const auto& a = stored8[i].metrics;
        const auto& b = stored4[i].metrics;
        EXPECT_EQ(stored8[i].tensor, stored4[i].tensor);
        EXPECT_LT(a.relFrobenius, b.relFrobenius) << stored8[i].tensor;
        EXPECT_GT(a.snrDb, b.snrDb);
        EXPECT_GT(a.cosine, 0.9999) << stored8[i].tensor;
        EXPECT_GT(b.cosine, 0.98) << stored4[i].tensor;
        // 64 or 172 columns: 8 bits + one fp16 scale per row.
        EXPECT_DOUBLE_EQ(a.bitsPerWeight, 8.0 + 16.0 / double(stored8[i].cols));
    }
    const auto variants = ws.variants(int8.modelId);
    ASSERT_EQ(variants.size(), 2u);
    EXPECT_EQ(variants[0].format, "int8");
    EXPECT_EQ(variants[1].format, "int4-g128");
    EXPECT_NE(variants[0].backend.find("cpu"), std::string::npos);
    EXPECT_EQ(variants[0].totalWeights, 292800);
}

TEST(QuantizeJob, CancelledJobLeavesNoVariant) {
    QL_REQUIRE_DATA();
    test::TempDir dir;
    const auto file = dir / "ws.quantlens";
    EngineThread engine;
    std::atomic<uint64_t> id{0};
    int seen = 0;
    id = engine.submit("quantize", [&](JobContext& ctx) {
        Workspace ws(file);
        BackendSet backends(BackendSet::Preference::Cpu);
        QuantizeRequest request{test::stories260K(), QuantFormat::Int8PerChannel, {}};
        request.onTensor = [&](const TensorMetricsRecord&) {
            if (++seen == 3)
                engine.cancel(id);
        };
        quantizeModel(request, ws, backends, ctx);
    });
    engine.waitIdle();
    EXPECT_EQ(engine.snapshot(id).status, JobStatus::Cancelled);
    EXPECT_EQ(seen, 3);
    Workspace ws(file);
    EXPECT_TRUE(ws.variants().empty());
}

// The job checks every weight before it stores anything (weight_moments.h): NaN, +Inf
// and -Inf each fail with the tensor's name and the element's flat index.
TEST(QuantizeJob, NonFiniteWeightFailsWithTensorAndIndexAndStoresNothing) {
    const struct {
        float value;
        const char* word;
    } cases[] = {{std::numeric_limits<float>::quiet_NaN(), "NaN at element 37"},
                 {std::numeric_limits<float>::infinity(), "Inf at element 37"},
                 {-std::numeric_limits<float>::infinity(), "Inf at element 37"}};
    for (const auto& c : cases) {
        test::TempDir dir;
        std::vector<float> w(4 * 32, 0.5f);
        w[37] = c.value;
        w[90] = c.value; // a later one: the first is named
        GgufWriter writer;
        writer.setString("general.architecture", "llama");
        writer.addTensorF32("blk.0.attn_q.weight", {4, 32}, DType::F32, w);
        writer.write(dir / "bad.gguf");
        Workspace ws(dir / "ws.quantlens");
        for (QuantFormat f : {QuantFormat::Int8PerChannel, QuantFormat::Q8_0, QuantFormat::Nf4}) {
            try {
                quantize(dir / "bad.gguf", f, ws);
                ADD_FAILURE() << "expected an error for " << c.word;
            } catch (const Error& e) {
                const std::string what = e.what();
                EXPECT_NE(what.find("blk.0.attn_q.weight"), std::string::npos) << what;
                EXPECT_NE(what.find(c.word), std::string::npos) << what;
            }
        }
        EXPECT_TRUE(ws.variants().empty());
    }
}

} // namespace
} // namespace ql
