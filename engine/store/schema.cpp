#include "engine/store/schema.h"

namespace ql {

const std::vector<std::string_view>& workspaceMigrations() {
    static const std::vector<std::string_view> migrations{
        // 0 -> 1: models, variants and their per-tensor metrics.
        R"sql(
CREATE TABLE models (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    file_bytes INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    format TEXT NOT NULL,
    architecture TEXT NOT NULL DEFAULT '',
    parameter_count INTEGER NOT NULL DEFAULT 0,
    added_at TEXT NOT NULL,
    UNIQUE (path, content_hash)
);
CREATE TABLE variants (
    id INTEGER PRIMARY KEY,
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    format TEXT NOT NULL,
    method TEXT NOT NULL,
    parameters TEXT NOT NULL DEFAULT '{}',
    tool_version TEXT NOT NULL,
    backend TEXT NOT NULL,
    created_at TEXT NOT NULL,
    total_bytes INTEGER NOT NULL DEFAULT 0,
    total_weights INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX variants_by_model ON variants(model_id);
CREATE TABLE tensor_metrics (
    variant_id INTEGER NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
    tensor TEXT NOT NULL,
    rows INTEGER NOT NULL,
    cols INTEGER NOT NULL,
    source_dtype TEXT NOT NULL,
    storage_format TEXT NOT NULL,
    backend TEXT NOT NULL,
    rmse REAL NOT NULL,
    rel_frobenius REAL NOT NULL,
    snr_db REAL NOT NULL,
    cosine REAL NOT NULL,
    max_abs_error REAL NOT NULL,
    bytes INTEGER NOT NULL,
    bits_per_weight REAL NOT NULL,
    PRIMARY KEY (variant_id, tensor)
);
)sql",
        // scorecards, gates and decisions (score)
        R"sql(
CREATE TABLE scorecards (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    source_path TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    eval_set_version TEXT NOT NULL,
    evaluator TEXT NOT NULL,
    baseline TEXT NOT NULL DEFAULT '',
    imported_at TEXT NOT NULL
);
CREATE TABLE score_cells (
    id INTEGER PRIMARY KEY,
    scorecard_id INTEGER NOT NULL REFERENCES scorecards(id) ON DELETE CASCADE,
    variant TEXT NOT NULL,
    dimension TEXT NOT NULL,
    slice TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'slice',
    score REAL NOT NULL,
    n INTEGER NOT NULL DEFAULT 0,
    stderr REAL,
    UNIQUE (scorecard_id, variant, dimension, slice)
);
CREATE TABLE score_examples (
    cell_id INTEGER NOT NULL REFERENCES score_cells(id) ON DELETE CASCADE,
    example_id TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (cell_id, example_id)
);
CREATE TABLE gate_policies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (body)
);
CREATE TABLE gate_verdicts (
    id INTEGER PRIMARY KEY,
    policy_id INTEGER NOT NULL REFERENCES gate_policies(id),
    scorecard_id INTEGER NOT NULL REFERENCES scorecards(id),
    variant TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'fail', 'inconclusive')),
    comparisons INTEGER NOT NULL,
    reasons TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    subject TEXT NOT NULL,
    default_variant TEXT NOT NULL,
    flagged TEXT NOT NULL DEFAULT '[]',
    rationale TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL,
    gate_policy_id INTEGER REFERENCES gate_policies(id),
    supersedes INTEGER UNIQUE REFERENCES decisions(id)
);
CREATE TABLE decision_scorecards (
    decision_id INTEGER NOT NULL REFERENCES decisions(id),
    scorecard_id INTEGER NOT NULL REFERENCES scorecards(id),
    PRIMARY KEY (decision_id, scorecard_id)
);
CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
BEGIN SELECT RAISE(ABORT, 'decisions are append-only: record a new decision that supersedes this one'); END;
CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
BEGIN SELECT RAISE(ABORT, 'decisions are append-only: record a new decision that supersedes this one'); END;
CREATE TRIGGER decision_scorecards_no_update BEFORE UPDATE ON decision_scorecards
BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
CREATE TRIGGER decision_scorecards_no_delete BEFORE DELETE ON decision_scorecards
BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
CREATE TRIGGER scorecards_kept_for_decisions BEFORE DELETE ON scorecards
WHEN EXISTS (SELECT 1 FROM decision_scorecards WHERE scorecard_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'a decision rests on this scorecard; it cannot be deleted'); END;
)sql",
        // error analysis: per-tensor histograms, outliers and error sums; the histogram
        // bin edges; the per-variant sensitivity ranking (engine/quant/error_histogram.h,
        // outliers.h, sensitivity.h). Variants stored before it have no rows here.
        R"sql(
CREATE TABLE histogram_bins (
    scheme TEXT NOT NULL,
    bin INTEGER NOT NULL,
    lower REAL NOT NULL,
    upper REAL NOT NULL,
    PRIMARY KEY (scheme, bin)
);
CREATE TABLE tensor_analysis (
    variant_id INTEGER NOT NULL,
    tensor TEXT NOT NULL,
    weight_mean REAL NOT NULL,
    weight_sigma REAL NOT NULL,
    error_scale REAL NOT NULL,
    sum_sq_error REAL NOT NULL,
    sum_sq_weight REAL NOT NULL,
    code_bits INTEGER NOT NULL,
    metadata_bits_per_weight REAL NOT NULL,
    outliers_k3 INTEGER NOT NULL,
    outliers_k6 INTEGER NOT NULL,
    rows_with_k6 INTEGER NOT NULL,
    cols_with_k6 INTEGER NOT NULL,
    outlier_rows TEXT NOT NULL,
    outlier_cols TEXT NOT NULL,
    error_scheme TEXT NOT NULL,
    error_histogram TEXT NOT NULL,
    weight_scheme TEXT NOT NULL,
    weight_histogram TEXT NOT NULL,
    PRIMARY KEY (variant_id, tensor),
    FOREIGN KEY (variant_id, tensor) REFERENCES tensor_metrics(variant_id, tensor)
        ON DELETE CASCADE
);
CREATE TABLE variant_sensitivity (
    variant_id INTEGER NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
    grouping TEXT NOT NULL CHECK (grouping IN ('tensor', 'block', 'kind')),
    grp TEXT NOT NULL,
    rank INTEGER NOT NULL,
    tensors INTEGER NOT NULL,
    weights INTEGER NOT NULL,
    sum_sq_error REAL NOT NULL,
    sum_sq_weight REAL NOT NULL,
    share REAL NOT NULL,
    weight_share REAL NOT NULL,
    PRIMARY KEY (variant_id, grouping, grp)
);
)sql",
        // evaluation sets (evalsets): sets, their versions and examples, the baseline's
        // cached distributions per set version, and output-aware errors per layer.
        R"sql(
CREATE TABLE eval_sets (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE TABLE eval_set_versions (
    id INTEGER PRIMARY KEY,
    set_id INTEGER NOT NULL REFERENCES eval_sets(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    examples_hash TEXT NOT NULL,
    settings TEXT NOT NULL,
    source_path TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    example_count INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (set_id, version),
    UNIQUE (set_id, content_hash)
);
CREATE TABLE eval_examples (
    version_id INTEGER NOT NULL REFERENCES eval_set_versions(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    example_id TEXT NOT NULL,
    text BLOB NOT NULL,
    slices TEXT NOT NULL DEFAULT '[]',
    dimension TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (version_id, ordinal),
    UNIQUE (version_id, example_id)
);
CREATE TABLE eval_baselines (
    id INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES eval_set_versions(id) ON DELETE CASCADE,
    base_key TEXT NOT NULL,
    base_label TEXT NOT NULL,
    n_vocab INTEGER NOT NULL,
    encoding TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (version_id, base_key)
);
CREATE TABLE eval_baseline_examples (
    baseline_id INTEGER NOT NULL REFERENCES eval_baselines(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    tokens BLOB NOT NULL,
    records BLOB NOT NULL,
    PRIMARY KEY (baseline_id, ordinal)
);
CREATE TABLE layer_output_errors (
    variant_id INTEGER NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
    tensor TEXT NOT NULL,
    calibration_hash TEXT NOT NULL,
    rows INTEGER NOT NULL,
    rel_error REAL NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (variant_id, tensor, calibration_hash)
);
)sql",
        // output-aware error (calibrate): the two traces behind each layer's figure,
        // trace(W G W^T) and trace(D G D^T), so groups of layers aggregate exactly. Rows
        // stored before it have NULL here.
        R"sql(
ALTER TABLE layer_output_errors ADD COLUMN signal REAL;
ALTER TABLE layer_output_errors ADD COLUMN noise REAL;
)sql",
        // the importance-weighted RMSE of a tensor quantized with an imatrix (llama.cpp's
        // weighted_rmse); NULL for the others and for rows stored before it.
        R"sql(
ALTER TABLE tensor_metrics ADD COLUMN weighted_rmse REAL;
)sql",
    };
    return migrations;
}

} // namespace ql
