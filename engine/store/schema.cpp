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
    };
    return migrations;
}

} // namespace ql
