// MoE expert stacks (GGUF's 3-D {n_expert, rows, cols} tensors) quantize as llama-quantize
// does: every expert's rows with the plain encoder, or each expert with its own importance
// vector from the imatrix entry (llama-imatrix writes one per expert); routers
// (ffn_gate_inp) stay as stored. The experts are golden/quant's gauss input, so the bytes
// of an expert are pinned to the bytes llama.cpp's quantizer wrote for it.
#include "engine/compute/vulkan/vulkan_backend.h"
#include "engine/core/error.h"
#include "engine/jobs/quantize_job.h"
#include "engine/model/gguf_writer.h"
#include "engine/model/model.h"
#include "engine/quant/imatrix_file.h"
#include "engine/quant/imatrix_quantize.h"
#include "tests/common/golden_files.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <cstring>
#include <gtest/gtest.h>
#include <map>

namespace ql {
namespace {

constexpr int64_t kRows = 8, kCols = 512, kExperts = 3;
const std::string kExps = "blk.0.ffn_up_exps.weight";
const std::string kRouter = "blk.0.ffn_gate_inp.weight";
const std::string kAttn = "blk.0.attn_q.weight";

std::filesystem::path goldenDir() {
    return test::dataDir() / "golden" / "quant";
}

std::vector<std::byte> goldenBytes(const std::string& name) {
    const auto c = test::readBytes(goldenDir() / name);
    std::vector<std::byte> b(c.size());
    std::memcpy(b.data(), c.data(), c.size());
    return b;
}

std::vector<float> gauss() {
    return test::readFloats(goldenDir() / "gauss.f32");
}

// Expert 1 is gauss scaled by -1.5 (a different matrix); experts 0 and 2 are gauss.
std::vector<float> expert(int64_t e) {
    std::vector<float> x = gauss();
    if (e == 1)
        for (float& v : x)
            v *= -1.5f;
    return x;
}

std::filesystem::path moeModel(const test::TempDir& dir) {
    std::vector<float> stack;
    for (int64_t e = 0; e < kExperts; ++e) {
        const auto x = expert(e);
        stack.insert(stack.end(), x.begin(), x.end());
    }
    const std::vector<float> router(size_t(kExperts * kCols), 0.25f);
    GgufWriter w;
    w.addTensorF32(kAttn, {kRows, kCols}, DType::F32, gauss());
    w.addTensorF32(kExps, {kExperts, kRows, kCols}, DType::F32, stack);
    w.addTensorF32(kRouter, {kExperts, kCols}, DType::F32, router);
    w.write(dir / "moe.gguf");
    return dir / "moe.gguf";
}

struct JobResult {
    QuantizeOutcome outcome;
    std::map<std::string, std::vector<std::byte>> bytes; // per tensor, rows in order
};

JobResult quantizeOn(BackendSet& backends, JobContext& ctx, const std::filesystem::path& model,
                     QuantFormat format, const std::filesystem::path& imatrix, int64_t chunkRows) {
    Workspace ws(":memory:");
    JobResult r;
    QuantizeRequest request{model, format, {}};
    request.imatrixPath = imatrix;
    request.chunkWeights = chunkRows * kCols;
    request.onChunk = [&](const std::string& tensor, int64_t, const QuantizedTensor& q) {
        auto& b = r.bytes[tensor];
        b.insert(b.end(), q.packed.begin(), q.packed.end());
    };
    r.outcome = quantizeModel(request, ws, backends, ctx);
    return r;
}

JobResult quantizeWith(const std::filesystem::path& model, QuantFormat format,
                       const std::filesystem::path& imatrix, int64_t chunkRows) {
    BackendSet backends(BackendSet::Preference::Cpu);
    JobContext ctx;
    return quantizeOn(backends, ctx, model, format, imatrix, chunkRows);
}

std::vector<std::byte> expertBytes(const JobResult& r, int64_t e) {
    const auto& all = r.bytes.at(kExps);
    const size_t per = all.size() / size_t(kExperts);
    return {all.begin() + ptrdiff_t(per * size_t(e)), all.begin() + ptrdiff_t(per * size_t(e + 1))};
}

const TensorMetricsRecord* metricsOf(const QuantizeOutcome& o, const std::string& name) {
    for (const auto& m : o.metrics)
        if (m.tensor == name)
            return &m;
    return nullptr;
}

TEST(MoeQuantize, ExpertStacksQuantizeAndRoutersStayAsStored) {
    QL_REQUIRE_DATA();
    test::TempDir dir;
    const auto model = moeModel(dir);
    for (const auto& [format, golden] : {std::pair{QuantFormat::Q4_K, "gauss.Q4_K.bin"},
                                         std::pair{QuantFormat::Q8_0, "gauss.Q8_0.bin"}}) {
        SCOPED_TRACE(golden);
        const JobResult r = quantizeWith(model, format, {}, 5); // chunks straddle experts
        const TensorMetricsRecord* m = metricsOf(r.outcome, kExps);
        ASSERT_NE(m, nullptr);
        EXPECT_EQ(m->rows, kExperts * kRows);
        EXPECT_EQ(m->cols, kCols);
        EXPECT_EQ(m->storageFormat, std::string(quantFormatInfo(format).name));
        EXPECT_EQ(metricsOf(r.outcome, kRouter), nullptr) << "the router must stay as stored";
        EXPECT_EQ(r.bytes.count(kRouter), 0u);
        ASSERT_EQ(r.outcome.keptAsStored.size(), 1u);
        EXPECT_EQ(r.outcome.keptAsStored[0].first, kRouter);
        EXPECT_EQ(r.outcome.keptAsStored[0].second, "a MoE router (expert gating)");
        EXPECT_EQ(expertBytes(r, 0), goldenBytes(golden));
        EXPECT_EQ(expertBytes(r, 2), goldenBytes(golden));
        QuantizedTensor q1;
        quantizeReference(format, expert(1), kRows, kCols, q1);
        EXPECT_EQ(expertBytes(r, 1), q1.packed);
        // Bytes: the router's F32 as stored plus both quantized tensors' blocks.
        const auto rowBytes = int64_t(packedRowBytes(format, kCols));
        EXPECT_EQ(r.outcome.variant.totalBytes,
                  kExperts * kCols * 4 + kRows * rowBytes + kExperts * kRows * rowBytes);
        EXPECT_EQ(r.outcome.variant.totalWeights,
                  kExperts * kCols + (1 + kExperts) * kRows * kCols);
    }
}

// One vector per expert: in_sum2 rows scaled by powers of two that counts divide out
// exactly, expert 1's vector all ones (so its bytes differ from the golden's).
std::filesystem::path moeImatrix(const test::TempDir& dir, bool oneVectorForTheStack) {
    const auto w = test::readFloats(goldenDir() / "gauss.imatrix.f32");
    Imatrix m;
    m.entries.push_back({kAttn, w, 0, {1.0f}});
    ImatrixEntry exps{kExps, {}, 0, {}};
    if (oneVectorForTheStack) {
        exps.values = w;
        exps.counts = {1.0f};
    } else {
        const float counts[kExperts] = {4.0f, 2.0f, 1.0f};
        for (int64_t e = 0; e < kExperts; ++e)
            for (int64_t j = 0; j < kCols; ++j)
                exps.values.push_back((e == 1 ? 1.0f : w[size_t(j)]) * counts[e]);
        exps.counts.assign(counts, counts + kExperts);
    }
    m.entries.push_back(exps);
    m.datasets = {"moe-test"};
    m.chunkCount = 1;
    m.chunkSize = 512;
    const auto path = dir / (oneVectorForTheStack ? "one.imatrix.gguf" : "moe.imatrix.gguf");
    writeImatrixGguf(path, m);
    return path;
}

TEST(MoeQuantize, EachExpertTakesItsOwnImportanceVector) {
    QL_REQUIRE_DATA();
    test::TempDir dir;
    const auto model = moeModel(dir);
    const auto imatrix = moeImatrix(dir, false);
    const std::vector<float> ones(size_t(kCols), 1.0f);
    for (const auto& [format, golden] : {std::pair{QuantFormat::Q4_K, "gauss.Q4_K.imatrix.bin"},
                                         std::pair{QuantFormat::IQ4_NL, "gauss.IQ4_NL.imatrix.bin"},
                                         std::pair{QuantFormat::Q4_0, "gauss.Q4_0.imatrix.bin"}}) {
        SCOPED_TRACE(golden);
        const JobResult r = quantizeWith(model, format, imatrix, 5);
        EXPECT_EQ(r.bytes.at(kAttn), goldenBytes(golden));
        EXPECT_EQ(expertBytes(r, 0), goldenBytes(golden));
        EXPECT_EQ(expertBytes(r, 2), goldenBytes(golden));
        QuantizedTensor q1;
        quantizeWithImportance(format, expert(1), kRows, kCols, ones, q1, 1);
        EXPECT_EQ(expertBytes(r, 1), q1.packed);
        // Chunks of a whole expert and of the whole stack give the same bytes.
        EXPECT_EQ(quantizeWith(model, format, imatrix, kRows).bytes, r.bytes);
        EXPECT_EQ(quantizeWith(model, format, imatrix, kExperts * kRows).bytes, r.bytes);
    }
    // The per-expert vectors were used: expert 1 without its own vector would have had
    // gauss's, i.e. the golden's scaled grid, and its plain bytes differ again.
    const JobResult plain = quantizeWith(model, QuantFormat::Q4_K, {}, 5);
    const JobResult weighted = quantizeWith(model, QuantFormat::Q4_K, imatrix, 5);
    EXPECT_NE(expertBytes(plain, 0), expertBytes(weighted, 0));
    EXPECT_NE(expertBytes(weighted, 1), expertBytes(weighted, 0));
}

// --device vulkan: the importance shaders take each expert's vector on the device (chunks
// of 5 rows straddle experts) and give the CPU's bytes; a device lost in the middle of the
// job leaves the rest to the CPU, with a warning and the same bytes.
TEST(MoeQuantize, TheVulkanDeviceGivesTheCpusBytesWithImportance) {
    QL_REQUIRE_DATA();
    {
        BackendSet probe(BackendSet::Preference::Vulkan);
        if (!probe.vulkan()) {
            if (test::vulkanRequired())
                FAIL() << "no Vulkan device: " << probe.summary();
            GTEST_SKIP() << "no Vulkan device: " << probe.summary();
        }
    }
    test::TempDir dir;
    const auto model = moeModel(dir);
    const auto imatrix = moeImatrix(dir, false);
    for (QuantFormat format : {QuantFormat::Q4_K, QuantFormat::Q6_K, QuantFormat::IQ4_NL,
                               QuantFormat::Q2_K, QuantFormat::Q4_0}) {
        SCOPED_TRACE(quantFormatInfo(format).name);
        const JobResult cpu = quantizeWith(model, format, imatrix, 5);
        BackendSet backends(BackendSet::Preference::Vulkan);
        JobContext ctx;
        const JobResult device = quantizeOn(backends, ctx, model, format, imatrix, 5);
        EXPECT_EQ(device.bytes, cpu.bytes);
        const TensorMetricsRecord* m = metricsOf(device.outcome, kExps);
        ASSERT_NE(m, nullptr);
        EXPECT_EQ(m->backend.rfind("vulkan", 0), 0u) << m->backend;
        EXPECT_EQ(ctx.warnings(), "");
    }
    const JobResult cpu = quantizeWith(model, QuantFormat::Q4_K, imatrix, 5);
    BackendSet backends(BackendSet::Preference::Vulkan);
    auto* vulkan = dynamic_cast<VulkanBackend*>(backends.vulkan());
    ASSERT_NE(vulkan, nullptr);
    vulkan->injectDeviceLossForTesting(2); // the second dispatch of the job
    JobContext ctx;
    const JobResult recovered = quantizeOn(backends, ctx, model, QuantFormat::Q4_K, imatrix, 5);
    EXPECT_EQ(recovered.bytes, cpu.bytes);
    EXPECT_NE(ctx.warnings().find("the CPU finished the work with identical results"),
              std::string::npos)
        << ctx.warnings();
    const TensorMetricsRecord* m = metricsOf(recovered.outcome, kExps);
    ASSERT_NE(m, nullptr);
    EXPECT_NE(m->backend.find("cpu"), std::string::npos) << m->backend;
}

TEST(MoeQuantize, OneVectorForAWholeStackIsAnErrorAndStoresNothing) {
    QL_REQUIRE_DATA();
    test::TempDir dir;
    const auto model = moeModel(dir);
    const auto imatrix = moeImatrix(dir, true);
    Workspace ws(dir / "ws.sqlite");
    BackendSet backends(BackendSet::Preference::Cpu);
    JobContext ctx;
    QuantizeRequest request{model, QuantFormat::Q4_K, {}};
    request.imatrixPath = imatrix;
    try {
        quantizeModel(request, ws, backends, ctx);
        FAIL() << "a 3-expert stack with one importance vector must be refused";
    } catch (const Error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("one.imatrix.gguf"), std::string::npos) << what;
        EXPECT_NE(what.find(kExps), std::string::npos) << what;
        EXPECT_NE(what.find("3 matrices of 512 columns"), std::string::npos) << what;
        EXPECT_NE(what.find("it needs 1536"), std::string::npos) << what;
    }
    EXPECT_TRUE(ws.variants().empty());
}

// Per-tensor formats give every expert its own scale (each expert is a Linear of its own
// in a Hugging Face checkpoint; vLLM keeps one FP8 scale per expert): the stack's values
// are those of quantizing each expert alone, and not those of one scale for the stack
// (expert 1 has 1.5 times the range of the others).
TEST(MoeQuantize, PerTensorFormatsScaleEachExpertOnItsOwn) {
    QL_REQUIRE_DATA();
    test::TempDir dir;
    const auto model = moeModel(dir);
    for (const QuantFormat format :
         {QuantFormat::Fp8E4M3Tensor, *intRtnFormat(8, -1, QuantScheme::SymAbsmax),
          QuantFormat::Nf4Dq}) {
        SCOPED_TRACE(quantFormatInfo(format).name);
        Workspace ws(":memory:");
        BackendSet backends(BackendSet::Preference::Cpu);
        JobContext ctx;
        QuantizeRequest request{model, format, {}};
        std::vector<float> stack;
        request.onChunk = [&](const std::string& tensor, int64_t, const QuantizedTensor& q) {
            if (tensor != kExps)
                return;
            const auto v = q.dequantize();
            stack.insert(stack.end(), v.begin(), v.end());
        };
        quantizeModel(request, ws, backends, ctx);
        std::vector<float> perExpert, whole;
        for (int64_t e = 0; e < kExperts; ++e) {
            QuantizedTensor q;
            quantizeReference(format, expert(e), kRows, kCols, q);
            const auto v = q.dequantize();
            perExpert.insert(perExpert.end(), v.begin(), v.end());
            const auto x = expert(e);
            whole.insert(whole.end(), x.begin(), x.end());
        }
        EXPECT_EQ(stack, perExpert);
        QuantizedTensor q;
        quantizeReference(format, whole, kExperts * kRows, kCols, q);
        EXPECT_NE(stack, q.dequantize());
    }
}

TEST(MoeQuantize, WhichTensorsAreWeightsFollowsLlamaQuantize) {
    const auto info = [](std::string name, std::vector<int64_t> shape, DType dtype) {
        TensorInfo t;
        t.name = std::move(name);
        t.shape = std::move(shape);
        t.dtype = dtype;
        return t;
    };
    EXPECT_TRUE(isQuantizableWeight(info(kExps, {8, 64, 32}, DType::F16)));
    EXPECT_TRUE(isQuantizableWeight(info("blk.0.ffn_down_exps.weight", {8, 32, 64}, DType::BF16)));
    EXPECT_TRUE(isQuantizableWeight(info("token_embd.weight", {100, 32}, DType::F32)));
    EXPECT_TRUE(isQuantizableWeight(info("output.weight", {100, 32}, DType::F32)));
    EXPECT_TRUE(isQuantizableWeight(info("blk.0.ffn_gate_inp_shexp.weight", {1, 32}, DType::F32)));
    EXPECT_FALSE(isQuantizableWeight(info(kRouter, {8, 32}, DType::F32)));
    EXPECT_FALSE(isQuantizableWeight(info("blk.0.attn_norm.weight", {32}, DType::F32)));
    EXPECT_FALSE(isQuantizableWeight(info("blk.0.ssm_conv1d.weight", {64, 4}, DType::F32)));
    EXPECT_FALSE(isQuantizableWeight(info("position_embd.weight", {512, 32}, DType::F32)));
    EXPECT_FALSE(isQuantizableWeight(info("blk.0.time_mix_w1.weight", {32, 64}, DType::F32)));
    EXPECT_FALSE(isQuantizableWeight(info(kExps, {8, 64, 32}, DType::Q8_0)));
    EXPECT_EQ(keptAsStoredByName(kRouter), "a MoE router (expert gating)");
    EXPECT_EQ(keptAsStoredByName(kExps), "");
}

TEST(MoeQuantize, StackShapeHelpers) {
    TensorInfo t;
    t.shape = {4, 6, 32};
    EXPECT_EQ(t.rows(), 24);
    EXPECT_EQ(t.matrixRows(), 6);
    EXPECT_EQ(t.matrices(), 4);
    t.shape = {6, 32};
    EXPECT_EQ(t.matrixRows(), 6);
    EXPECT_EQ(t.matrices(), 1);
}

} // namespace
} // namespace ql
