// A variant quantized with an importance matrix is evaluated on the weights the quantize
// job produced with it, not on the plain format's: openEvalModel rebuilds it with the
// file its parameters name (path and xxh64), and refuses a missing or changed file.
#include "engine/compute/backend.h"
#include "engine/core/error.h"
#include "engine/eval/eval_model.h"
#include "engine/jobs/engine_thread.h"
#include "engine/jobs/quantize_job.h"
#include "engine/model/model.h"
#include "engine/quant/imatrix_file.h"
#include "engine/store/workspace.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <fstream>
#include <gtest/gtest.h>
#include <map>

namespace {

using namespace ql;
using Dequantized = std::map<std::string, std::vector<float>>;

// An importance of 1 + (j % 7) for every column of every blk.* matrix: far from uniform,
// so the weighted encoders choose other codes than the plain ones.
void writeImportance(const std::filesystem::path& path) {
    const auto model = Model::open(test::stories260K());
    Imatrix m;
    m.format = ImatrixFormat::Gguf;
    for (const auto& t : model->tensors()) {
        if (!t.isMatrix() || t.name.rfind("blk.", 0) != 0)
            continue;
        ImatrixEntry e;
        e.name = t.name;
        for (int64_t j = 0; j < t.cols(); ++j)
            e.values.push_back(float(1 + j % 7) * 10.0f);
        e.counts = {10.0f};
        m.entries.push_back(std::move(e));
    }
    m.datasets = {"synthetic"};
    m.chunkCount = 1;
    m.chunkSize = 10;
    writeImatrixGguf(path, m);
}

Dequantized quantizeInto(const std::filesystem::path& ws, const std::filesystem::path& imatrix) {
    Workspace workspace(ws);
    BackendSet backends(BackendSet::Preference::Cpu);
    JobContext ctx;
    Dequantized out;
    QuantizeRequest request{test::stories260K(), *quantFormatFromName("q4_k"), {}};
    request.imatrixPath = imatrix;
    request.onChunk = [&](const std::string& tensor, int64_t rowBegin, const QuantizedTensor& q) {
        const std::vector<float> v = q.dequantize();
        std::vector<float>& all = out[tensor];
        all.resize(std::max(all.size(), size_t((rowBegin + q.rows) * q.cols)));
        std::copy(v.begin(), v.end(), all.begin() + rowBegin * q.cols);
    };
    quantizeModel(request, workspace, backends, ctx);
    return out;
}

// How many blk.* linear weights of the model differ from the job's output.
int mismatches(const EvalModel& e, const Dequantized& job) {
    int differ = 0;
    for (const auto& [name, values] : job) {
        if (name.rfind("blk.", 0) != 0)
            continue;
        int64_t rows = 0, cols = 0;
        const float* w = e.forward->linearWeights(name, rows, cols);
        EXPECT_NE(w, nullptr) << name;
        if (!w || size_t(rows * cols) != values.size() ||
            !std::equal(values.begin(), values.end(), w))
            ++differ;
    }
    return differ;
}

TEST(EvalModelImatrix, VariantIsRebuiltWithItsImportanceMatrix) {
    QL_REQUIRE_DATA();
    test::TempDir tmp;
    writeImportance(tmp / "weights.imatrix.gguf");
    const Dequantized job = quantizeInto(tmp / "ws.sqlite", tmp / "weights.imatrix.gguf");
    Workspace ws(tmp / "ws.sqlite");
    const EvalModel variant = openEvalModel("1", &ws);
    EXPECT_EQ(mismatches(variant, job), 0);
    EXPECT_NE(variant.weights.find("+imatrix:"), std::string::npos) << variant.weights;
    // The plain format's weights are not the job's: the check above can fail.
    const EvalModel plain = openQuantizedModel(test::stories260K(), "q4_k");
    EXPECT_GT(mismatches(plain, job), 0);
    EXPECT_NE(plain.identity, variant.identity);
}

TEST(EvalModelImatrix, MissingOrChangedFileIsAnError) {
    QL_REQUIRE_DATA();
    test::TempDir tmp;
    const auto imatrix = tmp / "weights.imatrix.gguf";
    writeImportance(imatrix);
    quantizeInto(tmp / "ws.sqlite", imatrix);
    Workspace ws(tmp / "ws.sqlite");
    std::ofstream(imatrix, std::ios::app) << "x";
    try {
        openEvalModel("1", &ws);
        FAIL() << "a changed imatrix was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("changed since variant 1"), std::string::npos)
            << e.what();
    }
    std::filesystem::remove(imatrix);
    try {
        openEvalModel("1", &ws);
        FAIL() << "a missing imatrix was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("is missing"), std::string::npos) << e.what();
    }
}

} // namespace
