// The importance matrix emitted from an activation capture (engine/eval/
// imatrix_from_capture.h) on stories260K: it reads back in both of llama.cpp's formats
// with every weight's importance equal to the Gram diagonal over the rows, and to the sum
// of x_j^2 over tokens computed from the raw rows of one layer; and quantizing with it
// lowers the activation-weighted output error, which is the point of an imatrix (measured
// on the bytes the quantize job produced, through layerOutputErrors on the same text).
#include "engine/compute/backend.h"
#include "engine/eval/eval_model.h"
#include "engine/eval/imatrix_from_capture.h"
#include "engine/eval/text_file.h"
#include "engine/jobs/engine_thread.h"
#include "engine/jobs/quantize_job.h"
#include "engine/quant/quantize.h"
#include "tests/common/temp_dir.h"
#include "tests/common/test_data.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <gtest/gtest.h>
#include <map>

namespace {

using namespace ql;

std::filesystem::path calibrationText() {
    return test::dataDir() / "text" / "tinystories_valid_1-500.txt";
}

// Keeps the raw input rows of one layer besides capturing the Gram matrices.
struct Recorder : ActivationCapture {
    std::string tensor;
    std::vector<float> rows;
    int64_t cols = 0;
    void onLinearInput(const std::string& name, const float* x, int64_t n, int64_t c) override {
        ActivationCapture::onLinearInput(name, x, n, c);
        if (name == tensor) {
            rows.insert(rows.end(), x, x + n * c);
            cols = c;
        }
    }
};

ImatrixProvenance provenance(ImatrixFormat format) {
    ImatrixProvenance p;
    p.format = format;
    p.dataset = calibrationText().string();
    p.chunkCount = 3;
    p.chunkSize = 128;
    return p;
}

TEST(EvalImatrix, WeightNamesAreTheBlockWeightsUnlessProcessOutput) {
    const std::vector<std::string> names = {"blk.0.attn_q.weight", "blk.0.ffn_down.weight",
                                            "output.weight"};
    EXPECT_EQ(imatrixWeightNames(names, false),
              (std::vector<std::string>{"blk.0.attn_q.weight", "blk.0.ffn_down.weight"}));
    EXPECT_EQ(imatrixWeightNames(names, true), names);
}

TEST(EvalImatrix, ReadsBackAsTheGramDiagonalAndTheSumOfSquares) {
    QL_REQUIRE_DATA();
    const EvalModel model = openEvalModel(test::stories260K().string(), nullptr);
    Recorder rec;
    rec.tensor = "blk.2.attn_q.weight";
    RunOptions o;
    o.nCtx = 128;
    o.maxChunks = 3;
    o.threads = 1;
    captureActivations(*model.forward, model.tokenizer.tokenize(readEvalText(calibrationText())),
                       model.tokenizer.bos(), o, rec);
    const auto names = imatrixWeightNames(model.forward->linearNames(), false);
    ASSERT_EQ(names.size(), 5u * 7u); // every blk.* linear weight; no output.weight

    // Independently: sum over the recorded tokens of x_j^2, divided by the tokens.
    const int64_t tokens = int64_t(rec.rows.size()) / rec.cols;
    ASSERT_EQ(tokens, 3 * 128);
    std::vector<double> direct(size_t(rec.cols), 0.0);
    for (int64_t t = 0; t < tokens; ++t)
        for (int64_t j = 0; j < rec.cols; ++j)
            direct[size_t(j)] += double(rec.rows[size_t(t * rec.cols + j)]) *
                                 rec.rows[size_t(t * rec.cols + j)] / double(tokens);

    test::TempDir dir;
    for (const ImatrixFormat format : {ImatrixFormat::Gguf, ImatrixFormat::Legacy}) {
        const Imatrix emitted = imatrixFromCapture(rec, names, provenance(format));
        const auto file = dir / (format == ImatrixFormat::Gguf ? "m.gguf" : "m.dat");
        if (format == ImatrixFormat::Gguf)
            writeImatrixGguf(file, emitted);
        else
            writeImatrixLegacy(file, emitted);
        const Imatrix back = readImatrix(file);
        EXPECT_EQ(back.format, format);
        ASSERT_EQ(back.entries.size(), names.size());
        EXPECT_EQ(back.chunkCount, 3);
        EXPECT_EQ(back.datasets, std::vector<std::string>{calibrationText().string()});
        if (format == ImatrixFormat::Gguf) {
            EXPECT_EQ(back.chunkSize, 128u);
        }
        for (const auto& name : names) {
            const ImatrixEntry* e = back.find(name);
            ASSERT_NE(e, nullptr) << name;
            const CapturedInput* x = rec.input(name);
            const std::vector<float> w = e->importance(format);
            ASSERT_EQ(int64_t(w.size()), x->cols) << name;
            if (format == ImatrixFormat::Legacy)
                EXPECT_EQ(e->ncall, 3) << name; // 384 tokens over chunks of 128
            else
                EXPECT_EQ(e->counts, std::vector<float>{float(x->rows)}) << name;
            for (int64_t j = 0; j < x->cols; ++j) {
                const double expected = x->gram[size_t(j * x->cols + j)] / double(x->rows);
                EXPECT_NEAR(w[size_t(j)], expected, 1e-6 * expected) << name << " col " << j;
            }
        }
        // q, k and v see the same input: all three equal the raw sum of squares.
        for (const std::string name :
             {"blk.2.attn_q.weight", "blk.2.attn_k.weight", "blk.2.attn_v.weight"}) {
            const std::vector<float> w = back.find(name)->importance(format);
            for (size_t j = 0; j < direct.size(); ++j)
                EXPECT_NEAR(w[j], direct[j], 1e-5 * direct[j]) << name << " col " << j;
        }
    }
}

struct SummedError {
    double noise = 0, signal = 0;
    double rel() const { return std::sqrt(noise / signal); }
};

// What the quantize job stored for each tensor, dequantized.
using Dequantized = std::map<std::string, std::vector<float>>;

Dequantized quantize(QuantFormat format, const std::filesystem::path& ws,
                     const std::filesystem::path& imatrix) {
    Workspace workspace(ws);
    BackendSet backends(BackendSet::Preference::Cpu);
    JobContext ctx;
    Dequantized out;
    QuantizeRequest request{test::stories260K(), format, {}};
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

// sqrt(sum noise / sum signal) over the blk.* layers (the ones the imatrix covers) of the
// model whose weights are the job's output, through layerOutputErrors on the capture.
SummedError outputError(const ActivationCapture& capture, const EvalModel& original,
                        const Dequantized& stored) {
    ForwardOptions options;
    options.transform = [&](const TensorInfo& t, std::span<float> w) {
        if (const auto it = stored.find(t.name); it != stored.end()) {
            EXPECT_EQ(it->second.size(), w.size()) << t.name;
            std::copy(it->second.begin(), it->second.end(), w.begin());
        }
        return t.dtype;
    };
    const LlamaForward variant(*original.model, options);
    SummedError e;
    for (const auto& l : layerOutputErrors(capture, *original.forward, variant))
        if (l.tensor.rfind("blk.", 0) == 0) {
            e.noise += l.traces.noise;
            e.signal += l.traces.signal;
        }
    return e;
}

TEST(EvalImatrix, QuantizingWithItLowersTheOutputError) {
    QL_REQUIRE_DATA();
    test::TempDir dir;
    ImatrixRequest r;
    r.model = test::stories260K();
    r.text = calibrationText();
    r.nCtx = 128;
    r.maxChunks = 8;
    r.threads = 2;
    JobContext job;
    const ImatrixOutcome emitted = computeImatrix(r, job);
    EXPECT_EQ(emitted.chunks, 8);
    EXPECT_EQ(emitted.tokens, 8 * 128);
    const auto imatrix = dir / "stories.imatrix.gguf";
    writeImatrixGguf(imatrix, emitted.imatrix);

    // The same text and chunks, captured again for the measurement.
    const EvalModel original = openEvalModel(test::stories260K().string(), nullptr);
    ActivationCapture capture;
    RunOptions o;
    o.nCtx = 128;
    o.maxChunks = 8;
    o.threads = 2;
    captureActivations(*original.forward,
                       original.tokenizer.tokenize(readEvalText(calibrationText())),
                       original.tokenizer.bos(), o, capture);

    for (const QuantFormat format : {QuantFormat::Q4_0, QuantFormat::Q4_K}) {
        const std::string name(quantFormatInfo(format).name);
        const auto ws = dir / (name + ".quantlens");
        const Dequantized plainWeights = quantize(format, ws, {});
        const Dequantized weightedWeights = quantize(format, ws, imatrix);
        ASSERT_EQ(plainWeights.size(), weightedWeights.size());
        const SummedError plain = outputError(capture, original, plainWeights);
        const SummedError weighted = outputError(capture, original, weightedWeights);
        std::printf("[ imatrix ] %s on stories260K, 8 chunks of 128: summed output error "
                    "%.6f without imatrix, %.6f with\n",
                    name.c_str(), plain.rel(), weighted.rel());
        EXPECT_NEAR(weighted.signal, plain.signal, 1e-9 * plain.signal); // same original
        EXPECT_LT(weighted.rel(), plain.rel()) << name;
    }
}

} // namespace
