// The calibration job (engine/eval/calibrate_job.h) on a workspace Q4_0 variant of
// stories260K: the stored per-layer errors and traces equal X*W^T against X*Q^T
// multiplied out row by row (which pins the Gram trick end to end), progress is one step
// per chunk, a cancelled run stores nothing, a re-run replaces only its own calibration,
// and the per-group aggregation is checked against numbers worked by hand.
#include "engine/compute/backend.h"
#include "engine/core/error.h"
#include "engine/eval/calibrate_job.h"
#include "engine/eval/eval_model.h"
#include "engine/eval/output_error_groups.h"
#include "engine/eval/text_file.h"
#include "engine/jobs/engine_thread.h"
#include "engine/jobs/quantize_job.h"
#include "engine/store/evalset_store.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <atomic>
#include <cmath>
#include <gtest/gtest.h>
#include <thread>

namespace {

using namespace ql;

std::filesystem::path calibrationText() {
    return test::dataDir() / "text" / "tinystories_valid_1-500.txt";
}

// A workspace holding one Q4_0 variant of stories260K; returns its id.
int64_t addQ4_0Variant(const std::filesystem::path& file) {
    Workspace ws(file);
    BackendSet backends(BackendSet::Preference::Cpu);
    JobContext ctx;
    return quantizeModel({test::stories260K(), QuantFormat::Q4_0, {}}, ws, backends, ctx).variantId;
}

CalibrationRequest request(const std::filesystem::path& ws, int64_t variantId, int64_t chunks) {
    CalibrationRequest r;
    r.workspace = ws;
    r.variant = std::to_string(variantId);
    r.text = calibrationText();
    r.nCtx = 128;
    r.maxChunks = chunks;
    r.threads = 2;
    return r;
}

// Keeps one layer's raw input rows while capturing, as the job's capture sees them.
struct Recorder : ActivationCapture {
    std::string tensor;
    std::vector<float> rows;
    void onLinearInput(const std::string& name, const float* x, int64_t n, int64_t c) override {
        ActivationCapture::onLinearInput(name, x, n, c);
        if (name == tensor) {
            std::lock_guard lock(m_rowsMutex);
            rows.insert(rows.end(), x, x + n * c);
        }
    }
    std::mutex m_rowsMutex;
};

struct Direct {
    double signal = 0, noise = 0;
};

// ||X W^T||^2 and ||X W^T - X Q^T||^2, every output element computed as a dot product.
Direct multiplyOut(const std::vector<float>& x, const float* w, const float* q, int64_t rows,
                   int64_t cols) {
    Direct d;
    const int64_t n = int64_t(x.size()) / cols;
    for (int64_t t = 0; t < n; ++t)
        for (int64_t r = 0; r < rows; ++r) {
            double yw = 0, yq = 0;
            for (int64_t c = 0; c < cols; ++c) {
                yw += double(x[size_t(t * cols + c)]) * w[r * cols + c];
                yq += double(x[size_t(t * cols + c)]) * q[r * cols + c];
            }
            d.signal += yw * yw;
            d.noise += (yw - yq) * (yw - yq);
        }
    return d;
}

const LayerOutputErrorRecord& find(const LayerOutputErrorSet& set, const std::string& tensor) {
    for (const auto& r : set.layers)
        if (r.tensor == tensor)
            return r;
    throw Error("no stored row for " + tensor);
}

TEST(CalibrateJob, StoredErrorsEqualTheMultipliedOutRows) {
    QL_REQUIRE_DATA();
    test::TempDir dir;
    const auto file = dir / "ws.quantlens";
    const int64_t id = addQ4_0Variant(file);
    EngineThread engine;
    CalibrationOutcome outcome;
    const uint64_t job = engine.submit(
        "calibrate", [&](JobContext& ctx) { outcome = runCalibration(request(file, id, 2), ctx); });
    engine.waitIdle();
    const JobSnapshot s = engine.snapshot(job);
    ASSERT_EQ(s.status, JobStatus::Finished) << s.error;
    EXPECT_EQ(s.total, 2);
    EXPECT_EQ(s.done, 2);
    EXPECT_TRUE(outcome.stored);
    EXPECT_EQ(outcome.layers.size(), 5u * 7u + 1u);

    // Independently: the same two chunks through the original, one layer's rows kept.
    Workspace ws(file);
    const EvalModel original = openEvalModel(test::stories260K().string(), nullptr);
    const EvalModel q4 = openEvalModel(std::to_string(id), &ws);
    for (const std::string tensor : {"blk.1.attn_v.weight", "blk.3.ffn_down.weight"}) {
        Recorder rec;
        rec.tensor = tensor;
        RunOptions o;
        o.nCtx = 128;
        o.maxChunks = 2;
        o.threads = 1;
        captureActivations(*original.forward,
                           original.tokenizer.tokenize(readEvalText(calibrationText())),
                           original.tokenizer.bos(), o, rec);
        int64_t rows = 0, cols = 0;
        const float* w = original.forward->linearWeights(tensor, rows, cols);
        const float* q = q4.forward->linearWeights(tensor, rows, cols);
        ASSERT_EQ(int64_t(rec.rows.size()), 2 * 128 * cols);
        const Direct d = multiplyOut(rec.rows, w, q, rows, cols);
        const auto stored = latestLayerOutputErrors(ws, id);
        ASSERT_TRUE(stored);
        EXPECT_EQ(stored->calibration.substr(stored->calibration.find(';')), ";n_ctx=128;chunks=2");
        const LayerOutputErrorRecord& r = find(*stored, tensor);
        EXPECT_EQ(r.rows, 2 * 128);
        ASSERT_TRUE(r.signal && r.noise);
        EXPECT_GT(d.noise, 0.0) << tensor;
        EXPECT_NEAR(*r.signal, d.signal, 1e-9 * d.signal) << tensor;
        EXPECT_NEAR(*r.noise, d.noise, 1e-7 * d.noise) << tensor;
        const double direct = std::sqrt(d.noise / d.signal);
        EXPECT_NEAR(r.relError, direct, 1e-7 * direct) << tensor;
    }
}

TEST(CalibrateJob, CancelStopsBetweenChunksAndStoresNothing) {
    QL_REQUIRE_DATA();
    test::TempDir dir;
    const auto file = dir / "ws.quantlens";
    const int64_t id = addQ4_0Variant(file);
    {
        JobContext ctx;
        runCalibration(request(file, id, 2), ctx); // an earlier, complete calibration
    }
    std::vector<LayerOutputErrorRecord> before =
        latestLayerOutputErrors(Workspace(file), id)->layers;

    EngineThread engine;
    std::atomic<bool> running{false};
    const uint64_t job = engine.submit("calibrate", [&](JobContext& ctx) {
        running = true;
        auto r = request(file, id, -1); // every chunk: far more than run before the cancel
        r.threads = 1;
        runCalibration(r, ctx);
    });
    while (!running)
        std::this_thread::yield();
    const auto ended = [&] { return engine.snapshot(job).status > JobStatus::Running; };
    while (engine.snapshot(job).done < 1 && !ended())
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    engine.cancel(job);
    engine.waitIdle();
    const JobSnapshot s = engine.snapshot(job);
    EXPECT_EQ(s.status, JobStatus::Cancelled) << s.error;
    EXPECT_GE(s.done, 1);
    EXPECT_LT(s.done, s.total); // stopped between chunks, well before the end

    const auto after = latestLayerOutputErrors(Workspace(file), id);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->calibration.substr(after->calibration.find(';')), ";n_ctx=128;chunks=2");
    ASSERT_EQ(after->layers.size(), before.size());
    for (size_t i = 0; i < before.size(); ++i)
        EXPECT_EQ(after->layers[i].relError, before[i].relError) << before[i].tensor;
}

TEST(CalibrateJob, RerunReplacesItsOwnCalibrationOnly) {
    QL_REQUIRE_DATA();
    test::TempDir dir;
    const auto file = dir / "ws.quantlens";
    const int64_t id = addQ4_0Variant(file);
    JobContext ctx;
    const auto first = runCalibration(request(file, id, 1), ctx);
    const auto second = runCalibration(request(file, id, 2), ctx);
    const auto again = runCalibration(request(file, id, 1), ctx);
    EXPECT_EQ(first.calibration, again.calibration);
    EXPECT_NE(first.calibration, second.calibration);
    Workspace ws(file);
    EXPECT_EQ(layerOutputErrors(ws, id, first.calibration).size(), 36u);
    EXPECT_EQ(layerOutputErrors(ws, id, second.calibration).size(), 36u);
    const auto latest = latestLayerOutputErrors(ws, id);
    ASSERT_TRUE(latest);
    EXPECT_EQ(latest->calibration, first.calibration); // the newest run
    EXPECT_EQ(latest->layers.size(), 36u);
    EXPECT_EQ(latest->layers[0].relError, first.layers[0].relError); // deterministic
    EXPECT_FALSE(latestLayerOutputErrors(ws, id + 1));
}

TEST(CalibrateJob, ModelFileVariantIsMeasuredButNotStored) {
    QL_REQUIRE_DATA();
    test::TempDir dir;
    JobContext ctx;
    CalibrationRequest r = request(dir / "ws.quantlens", 0, 1);
    r.variant = test::stories260K().string();
    const auto out = runCalibration(r, ctx);
    EXPECT_FALSE(out.stored);
    for (const auto& l : out.layers)
        EXPECT_EQ(l.relError, 0.0) << l.tensor; // the original against itself
}

TEST(CalibrateJob, BadContextNamesTheText) {
    QL_REQUIRE_DATA();
    test::TempDir dir;
    const auto file = dir / "ws.quantlens";
    const int64_t id = addQ4_0Variant(file);
    JobContext ctx;
    auto r = request(file, id, -1);
    r.nCtx = 1 << 22;
    EXPECT_THROW(runCalibration(r, ctx), Error);
    EXPECT_FALSE(latestLayerOutputErrors(Workspace(file), id));
}

LayerOutputErrorRecord rec(const std::string& tensor, double signal, double noise) {
    return {tensor, 10, std::sqrt(noise / signal), signal, noise};
}

// Worked by hand: block 0 = sqrt((1 + 3) / (4 + 12)) = 0.5; block 1 = sqrt(8 / 5);
// attn_q = sqrt((1 + 8) / (4 + 5)) = 1; attn_k = sqrt(3 / 12) = 0.5. The mean of the
// layer figures would give attn_q (0.5 + 1.2649) / 2 = 0.882 instead.
TEST(OutputErrorGroups, SumTracesThenTakeTheRatio) {
    const std::vector<LayerOutputErrorRecord> layers = {
        rec("blk.0.attn_q.weight", 4, 1),
        rec("blk.0.attn_k.weight", 12, 3),
        rec("blk.1.attn_q.weight", 5, 8),
        {"blk.1.attn_k.weight", 10, 0.9, std::nullopt, std::nullopt}}; // no traces: left out
    const auto blocks = groupOutputErrors(layers, Grouping::Block);
    ASSERT_EQ(blocks.size(), 2u);
    EXPECT_EQ(blocks[0].group, "0");
    EXPECT_EQ(blocks[0].layers, 2);
    EXPECT_DOUBLE_EQ(blocks[0].relError(), 0.5);
    EXPECT_EQ(blocks[1].group, "1");
    EXPECT_EQ(blocks[1].layers, 1);
    EXPECT_DOUBLE_EQ(blocks[1].relError(), std::sqrt(8.0 / 5.0));
    const auto kinds = groupOutputErrors(layers, Grouping::Kind);
    ASSERT_EQ(kinds.size(), 2u);
    EXPECT_EQ(kinds[0].group, "attn_q");
    EXPECT_DOUBLE_EQ(kinds[0].signal, 9.0);
    EXPECT_DOUBLE_EQ(kinds[0].noise, 9.0);
    EXPECT_DOUBLE_EQ(kinds[0].relError(), 1.0);
    EXPECT_EQ(kinds[1].group, "attn_k");
    EXPECT_DOUBLE_EQ(kinds[1].relError(), 0.5);
    EXPECT_EQ(OutputErrorGroup{}.relError(), 0.0); // no output energy: no error
}

} // namespace
