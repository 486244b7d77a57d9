#include "engine/eval/calibrate_job.h"

#include "engine/eval/eval_model.h"
#include "engine/eval/text_file.h"
#include "engine/jobs/engine_thread.h"
#include "engine/store/evalset_store.h"

namespace ql {
namespace {

std::vector<LayerOutputErrorRecord> toRecords(const std::vector<LayerOutputError>& layers) {
    std::vector<LayerOutputErrorRecord> out;
    out.reserve(layers.size());
    for (const auto& e : layers)
        out.push_back({e.tensor, e.rows, e.relError, e.traces.signal, e.traces.noise});
    return out;
}

} // namespace

std::string calibrationKey(const std::string& textHash, int64_t nCtx, int64_t chunks) {
    return textHash + ";n_ctx=" + std::to_string(nCtx) + ";chunks=" + std::to_string(chunks);
}

CalibrationOutcome runCalibration(const CalibrationRequest& r, JobContext& job) {
    job.setStage("opening the variant and its original");
    Workspace ws(r.workspace);
    const EvalModel variant = openEvalModel(r.variant, &ws);
    const EvalModel original = openEvalModel(variant.model->path().string(), nullptr);
    job.setStage("tokenizing " + r.text.filename().string());
    const auto tokens = original.tokenizer.tokenize(readEvalText(r.text));
    const RunOptions run{
        .nCtx = r.nCtx, .maxChunks = r.maxChunks, .threads = r.threads, .job = &job};
    ActivationCapture capture;
    const int64_t chunks =
        captureActivations(*original.forward, tokens, original.tokenizer.bos(), run, capture);
    job.checkCancelled();
    job.setStage("comparing every linear layer with the original's");

    CalibrationOutcome out;
    out.variantLabel = variant.label;
    out.variantId = variant.variantId;
    out.calibration = calibrationKey(hashFiles({r.text}), r.nCtx, chunks);
    out.chunks = chunks;
    out.captureBytes = capture.bytes();
    out.layers = layerOutputErrors(capture, *original.forward, *variant.forward);
    job.checkCancelled(); // the last moment a cancel leaves the workspace as it was
    if (variant.variantId) {
        replaceLayerOutputErrors(ws, *variant.variantId, out.calibration, toRecords(out.layers));
        out.stored = true;
    }
    return out;
}

} // namespace ql
