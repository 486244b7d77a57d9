#pragma once
// Measuring a variant's output-aware error per linear layer on calibration text: the
// whole job that `quantlens-cli calibrate` and the workbench's "Measure output error"
// run. The original model's linear inputs are captured as X^T X per chunk of text
// (activation_capture.h), then every layer of the variant is compared with the original's
// through them. A workspace variant's figures are stored under the calibration (text
// hash and settings), replacing that calibration's earlier rows for the variant.
#include "engine/eval/activation_capture.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ql {

class JobContext;

struct CalibrationRequest {
    std::filesystem::path workspace;
    std::string variant; // workspace variant id or format, or a model file
    std::filesystem::path text;
    int64_t nCtx = 128;
    int64_t maxChunks = -1; // < 0: every whole chunk of the text
    int threads = 0;        // 0: every core
};

struct CalibrationOutcome {
    std::string variantLabel;
    std::optional<int64_t> variantId; // set when the variant is a workspace variant
    std::string calibration;          // calibrationKey(): what the rows are stored under
    int64_t chunks = 0;               // chunks evaluated
    uint64_t captureBytes = 0;        // the captured X^T X, all inputs together
    std::vector<LayerOutputError> layers;
    bool stored = false;
};

// "<sha256 of the text file>;n_ctx=128;chunks=6": the text and the settings the figures
// depend on, with the number of chunks actually used (so "all" and its count agree).
std::string calibrationKey(const std::string& textHash, int64_t nCtx, int64_t chunks);

// Progress: one step per chunk (the capture), then the per-layer comparison. Cancel is
// checked before each chunk and before anything is stored: a cancelled run throws
// ql::Cancelled and stores nothing. Throws ql::Error for a bad variant, text or context.
CalibrationOutcome runCalibration(const CalibrationRequest& request, JobContext& job);

} // namespace ql
