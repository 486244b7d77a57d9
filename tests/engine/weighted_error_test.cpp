// The importance-weighted RMSE a quantize job records for tensors quantized with an
// imatrix, against the figure of llama.cpp's own run on the same input and imatrix
// (golden/quant/manifest.json: inputs.gauss.imatrix.types.<T>.weighted_rmse, which is ours
// divided by sqrt(rows): weighted_error.h), stored in
// the workspace and read back; absent without an imatrix; the same in any chunking.
#include "engine/core/error.h"
#include "engine/jobs/quantize_job.h"
#include "engine/model/safetensors_writer.h"
#include "engine/quant/imatrix_file.h"
#include "engine/quant/weighted_error.h"
#include "tests/common/golden_files.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ql {
namespace {

std::filesystem::path goldenDir() {
    return test::dataDir() / "golden" / "quant";
}

// gauss (8 x 512) as a safetensors model and its imatrix as a legacy file.
struct GaussFiles {
    std::filesystem::path model, imatrix;
};
GaussFiles writeGauss(const test::TempDir& dir) {
    const auto x = test::readFloats(goldenDir() / "gauss.f32");
    std::vector<std::byte> bytes(x.size() * 4);
    std::memcpy(bytes.data(), x.data(), bytes.size());
    writeSafetensors(dir / "g.safetensors", {{"gauss.weight", "F32", {8, 512}, bytes}});
    Imatrix m;
    m.format = ImatrixFormat::Legacy;
    m.entries.push_back(
        {"gauss.weight", test::readFloats(goldenDir() / "gauss.imatrix.f32"), 1, {}});
    writeImatrixLegacy(dir / "g.imatrix", m);
    return {dir / "g.safetensors", dir / "g.imatrix"};
}

QuantizeOutcome quantize(const GaussFiles& f, Workspace& ws, QuantFormat format, bool imatrix,
                         int64_t chunkRows) {
    BackendSet backends(BackendSet::Preference::Cpu);
    JobContext ctx;
    QuantizeRequest request{f.model, format, {}};
    if (imatrix)
        request.imatrixPath = f.imatrix;
    request.chunkWeights = chunkRows * 512;
    return quantizeModel(request, ws, backends, ctx);
}

TEST(WeightedError, EqualsLlamaCppsWeightedRmseAndIsStored) {
    QL_REQUIRE_DATA();
    test::TempDir dir;
    const GaussFiles files = writeGauss(dir);
    nlohmann::json manifest;
    std::ifstream(goldenDir() / "manifest.json") >> manifest;
    const auto& types = manifest["inputs"]["gauss"]["imatrix"]["types"];
    int compared = 0;
    for (const auto& [format, type] :
         {std::pair{QuantFormat::Q4_K, "Q4_K"}, std::pair{QuantFormat::IQ4_NL, "IQ4_NL"},
          std::pair{QuantFormat::Q4_0, "Q4_0"}}) {
        SCOPED_TRACE(type);
        ASSERT_TRUE(types.contains(type)) << "no weighted_rmse golden for " << type;
        const double golden = types[type]["weighted_rmse"].get<double>();
        Workspace ws(dir / (std::string(type) + ".sqlite"));
        const QuantizeOutcome weighted = quantize(files, ws, format, true, 8);
        ASSERT_EQ(weighted.metrics.size(), 1u);
        ASSERT_TRUE(weighted.metrics[0].weightedRmse.has_value());
        // The manifest divides by the row count twice (weighted_error.h): ours / sqrt(8).
        EXPECT_NEAR(*weighted.metrics[0].weightedRmse / std::sqrt(8.0), golden, 1e-9 * golden);
        // llama.cpp's plain rmse of the same bytes, too: the imatrix run's own figure.
        EXPECT_NEAR(weighted.metrics[0].metrics.rmse, types[type]["rmse"].get<double>(),
                    1e-9 * golden * 10);
        // Chunks of 3 rows (the last one partial) give the same sums.
        EXPECT_EQ(quantize(files, ws, format, true, 3).metrics[0].weightedRmse,
                  weighted.metrics[0].weightedRmse);
        // Stored and read back; a plain variant has none.
        const QuantizeOutcome plain = quantize(files, ws, format, false, 8);
        EXPECT_FALSE(plain.metrics[0].weightedRmse.has_value());
        const Workspace reopened(dir / (std::string(type) + ".sqlite"));
        EXPECT_EQ(reopened.tensorMetrics(weighted.variantId)[0].weightedRmse,
                  weighted.metrics[0].weightedRmse);
        EXPECT_FALSE(reopened.tensorMetrics(plain.variantId)[0].weightedRmse.has_value());
        // What the imatrix is for: a lower weighted error than the plain encoder's bytes,
        // measured with the same weights.
        QuantizedTensor plainBytes;
        const auto x = test::readFloats(goldenDir() / "gauss.f32");
        const auto w = test::readFloats(goldenDir() / "gauss.imatrix.f32");
        quantizeReference(format, x, 8, 512, plainBytes);
        WeightedErrorAccumulator plainWeighted;
        plainWeighted.add(x, plainBytes, w, {});
        EXPECT_LT(*weighted.metrics[0].weightedRmse, *plainWeighted.rmse());
        ++compared;
    }
    EXPECT_EQ(compared, 3);
}

QuantizeOutcome weighOnly(const GaussFiles& f, Workspace& ws, QuantFormat format) {
    BackendSet backends(BackendSet::Preference::Cpu);
    JobContext ctx;
    QuantizeRequest request{f.model, format, {}};
    request.weighingImatrixPath = f.imatrix;
    return quantizeModel(request, ws, backends, ctx);
}

// quantize --weigh-with: the encoders never see the imatrix (the plain variant's bytes and
// plain metrics), the error is weighed by it (the same figure as WeightedErrorAccumulator
// over the plain bytes), in any format (q8_0 takes none), recorded as "weighed_by", not
// "imatrix" (which would make the evaluators rebuild the variant with it); and the figure
// it exists for: q4_k made with the imatrix has a lower weighted error than q4_k weighed.
TEST(WeightedError, WeighsAVariantQuantizedWithoutTheImatrix) {
    QL_REQUIRE_DATA();
    test::TempDir dir;
    const GaussFiles files = writeGauss(dir);
    Workspace ws(dir / "weigh.sqlite");
    const auto x = test::readFloats(goldenDir() / "gauss.f32");
    const auto w = test::readFloats(goldenDir() / "gauss.imatrix.f32");
    for (QuantFormat format :
         {QuantFormat::Q4_K, QuantFormat::Q8_0, QuantFormat::Int4G128, QuantFormat::Q4_KLsq}) {
        SCOPED_TRACE(quantFormatInfo(format).name);
        const QuantizeOutcome plain = quantize(files, ws, format, false, 8);
        const QuantizeOutcome weighed = weighOnly(files, ws, format);
        ASSERT_EQ(weighed.metrics.size(), 1u);
        EXPECT_EQ(weighed.metrics[0].metrics.rmse, plain.metrics[0].metrics.rmse);
        EXPECT_EQ(weighed.metrics[0].metrics.maxAbsError, plain.metrics[0].metrics.maxAbsError);
        QuantizedTensor bytes;
        quantizeReference(format, x, 8, 512, bytes);
        WeightedErrorAccumulator expected;
        expected.add(x, bytes, w, {});
        ASSERT_TRUE(weighed.metrics[0].weightedRmse.has_value());
        EXPECT_DOUBLE_EQ(*weighed.metrics[0].weightedRmse, *expected.rmse());
        const auto parameters = nlohmann::json::parse(weighed.variant.parameters);
        EXPECT_FALSE(parameters.contains("imatrix"));
        EXPECT_EQ(parameters["weighed_by"]["file"], "g.imatrix");
        EXPECT_EQ(Workspace(dir / "weigh.sqlite").tensorMetrics(weighed.variantId)[0].weightedRmse,
                  weighed.metrics[0].weightedRmse);
    }
    const QuantizeOutcome madeWith = quantize(files, ws, QuantFormat::Q4_K, true, 8);
    const QuantizeOutcome weighed = weighOnly(files, ws, QuantFormat::Q4_K);
    EXPECT_LT(*madeWith.metrics[0].weightedRmse, *weighed.metrics[0].weightedRmse);

    // Both at once is refused before anything is stored.
    QuantizeRequest both{files.model, QuantFormat::Q4_K, {}};
    both.imatrixPath = files.imatrix;
    both.weighingImatrixPath = files.imatrix;
    BackendSet backends(BackendSet::Preference::Cpu);
    JobContext ctx;
    const size_t before = ws.variants().size();
    EXPECT_THROW(quantizeModel(both, ws, backends, ctx), Error);
    EXPECT_EQ(ws.variants().size(), before);
}

// By hand: a 2 x 32 F16 tensor of zeros against originals that differ from it only at
// row 0, column 0 (by 1e-8); sqrt(sum w e^2 / sum w) over both rows, each row with its
// matrix's vector.
TEST(WeightedError, FollowsTheFormulaRowByRowWithEachMatrixsVector) {
    QuantizedTensor q;
    q.resize(QuantFormat::F16, 2, 32); // every value 0
    std::vector<float> original(64, 0.0f);
    original[0] = 1e-8f;
    std::vector<float> w(64, 0.0f);
    w[0] = 3.0f;  // vector 0, column 0
    w[32] = 1.0f; // vector 1, column 0
    const double e2 = double(1e-8f) * double(1e-8f);
    WeightedErrorAccumulator oneMatrix;
    oneMatrix.add(original, q, w, {});
    // One vector for both rows: weights 3 at column 0 of each row, error only at row 0.
    EXPECT_DOUBLE_EQ(*oneMatrix.rmse(), std::sqrt(3.0 * e2 / 6.0));
    WeightedErrorAccumulator twoMatrices;
    twoMatrices.add(original, q, w, {0, 1}); // row 1 takes vector 1
    EXPECT_DOUBLE_EQ(*twoMatrices.rmse(), std::sqrt(3.0 * e2 / 4.0));
    WeightedErrorAccumulator none;
    none.add(original, q, std::vector<float>(64, 0.0f), {});
    EXPECT_FALSE(none.rmse().has_value());
}

} // namespace
} // namespace ql
