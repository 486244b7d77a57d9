#include "engine/eval/imatrix_from_capture.h"

#include "engine/core/error.h"
#include "engine/eval/eval_model.h"
#include "engine/eval/text_file.h"
#include "engine/jobs/engine_thread.h"

#include <algorithm>

namespace ql {
namespace {

// llama-imatrix's legacy ncall: tokens over chunk_size, rounded up so it is never 0.
int32_t legacyCalls(int64_t tokens, uint32_t chunkSize) {
    if (chunkSize == 0)
        return 1;
    return int32_t((tokens + chunkSize - 1) / chunkSize);
}

ImatrixEntry entryFor(const std::string& name, const CapturedInput& x, const ImatrixProvenance& p) {
    ImatrixEntry e;
    e.name = name;
    e.values.resize(size_t(x.cols));
    const int32_t ncall = legacyCalls(x.rows, p.chunkSize);
    for (int64_t j = 0; j < x.cols; ++j) {
        const double sum2 = x.gram[size_t(j * x.cols + j)];
        e.values[size_t(j)] = p.format == ImatrixFormat::Gguf
                                  ? float(sum2)
                                  : float(x.rows > 0 ? sum2 / double(x.rows) * ncall : 1.0);
    }
    if (p.format == ImatrixFormat::Gguf)
        e.counts = {float(x.rows)};
    else
        e.ncall = ncall;
    return e;
}

} // namespace

std::vector<std::string> imatrixWeightNames(const std::vector<std::string>& linearNames,
                                            bool processOutput) {
    std::vector<std::string> out;
    for (const auto& name : linearNames)
        if (name.rfind("blk.", 0) == 0 || (processOutput && name == "output.weight"))
            out.push_back(name);
    return out;
}

Imatrix imatrixFromCapture(const ActivationCapture& capture,
                           const std::vector<std::string>& weightNames,
                           const ImatrixProvenance& provenance) {
    Imatrix m;
    m.format = provenance.format;
    m.hasTrailer = true; // llama-imatrix always writes the chunk count and dataset
    m.chunkCount = provenance.chunkCount;
    m.chunkSize = provenance.chunkSize;
    m.datasets = {provenance.dataset};
    for (const auto& name : weightNames) {
        const CapturedInput* x = capture.input(name);
        if (!x)
            throw Error("no activations were captured for '" + name + "'");
        m.entries.push_back(entryFor(name, *x, provenance));
    }
    // By name, as llama-imatrix stores both formats.
    std::sort(m.entries.begin(), m.entries.end(),
              [](const ImatrixEntry& a, const ImatrixEntry& b) { return a.name < b.name; });
    return m;
}

ImatrixOutcome computeImatrix(const ImatrixRequest& r, JobContext& job) {
    job.setStage("opening " + r.model.filename().string());
    const EvalModel model = openEvalModel(r.model.string(), nullptr);
    job.setStage("tokenizing " + r.text.filename().string());
    const auto tokens = model.tokenizer.tokenize(readEvalText(r.text));
    if (r.nCtx >= 4 && int64_t(tokens.size()) < r.nCtx)
        throw Error(r.text.string() + ": " + std::to_string(tokens.size()) +
                    " tokens, fewer than one chunk of " + std::to_string(r.nCtx) +
                    "; an importance matrix needs at least one whole chunk of text");
    const RunOptions run{
        .nCtx = r.nCtx, .maxChunks = r.maxChunks, .threads = r.threads, .job = &job};
    ActivationCapture capture;
    const int64_t chunks =
        captureActivations(*model.forward, tokens, model.tokenizer.bos(), run, capture);
    job.checkCancelled();

    ImatrixProvenance p;
    p.format = r.format;
    p.dataset = r.text.string();
    p.chunkCount = int32_t(chunks);
    p.chunkSize = uint32_t(r.nCtx);
    ImatrixOutcome out;
    out.imatrix = imatrixFromCapture(
        capture, imatrixWeightNames(model.forward->linearNames(), r.processOutput), p);
    out.chunks = chunks;
    out.tokens = chunks * r.nCtx;
    return out;
}

} // namespace ql
