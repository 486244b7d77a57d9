#include "engine/store/evalset_store.h"

#include "engine/core/error.h"
#include "engine/store/sqlite_util.h"

#include <cstring>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

namespace ql {

using sql::Statement;

namespace {

// Prepared statement for the columns sqlite_util does not cover: byte strings that may
// hold NULs (example text, cached tokens and records) go in and out as blobs.
class BlobStatement {
public:
    BlobStatement(const Workspace& ws, const char* text)
        : m_ws(ws) {
        check(sqlite3_prepare_v2(ws.handle(), text, -1, &m_stmt, nullptr));
    }
    ~BlobStatement() { sqlite3_finalize(m_stmt); }
    BlobStatement(const BlobStatement&) = delete;
    BlobStatement& operator=(const BlobStatement&) = delete;

    BlobStatement& bind(int i, int64_t v) {
        check(sqlite3_bind_int64(m_stmt, i, v));
        return *this;
    }
    BlobStatement& bind(int i, const std::string& v) {
        check(sqlite3_bind_text(m_stmt, i, v.data(), int(v.size()), SQLITE_TRANSIENT));
        return *this;
    }
    BlobStatement& bindBlob(int i, const void* data, size_t bytes) {
        check(sqlite3_bind_blob64(m_stmt, i, bytes ? data : "", bytes, SQLITE_TRANSIENT));
        return *this;
    }
    bool step() {
        const int rc = sqlite3_step(m_stmt);
        check(rc);
        return rc == SQLITE_ROW;
    }
    int64_t integer(int c) const { return sqlite3_column_int64(m_stmt, c); }
    std::string text(int c) const {
        const void* p = sqlite3_column_blob(m_stmt, c);
        return p ? std::string(static_cast<const char*>(p), size_t(sqlite3_column_bytes(m_stmt, c)))
                 : std::string();
    }
    template <typename T> std::vector<T> array(int c) const {
        const void* p = sqlite3_column_blob(m_stmt, c);
        std::vector<T> out(size_t(sqlite3_column_bytes(m_stmt, c)) / sizeof(T));
        if (p && !out.empty())
            std::memcpy(out.data(), p, out.size() * sizeof(T));
        return out;
    }

private:
    void check(int rc) const {
        if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
            throw Error(m_ws.path().string() + ": workspace evaluation-set query failed: " +
                        sqlite3_errmsg(m_ws.handle()));
    }
    const Workspace& m_ws;
    sqlite3_stmt* m_stmt = nullptr;
};

constexpr const char* kVersionColumns =
    "SELECT v.id, s.name, v.version, v.content_hash, v.examples_hash, v.settings, "
    "v.source_path, v.source_hash, v.example_count, v.created_at FROM eval_set_versions v "
    "JOIN eval_sets s ON s.id = v.set_id";

EvalSetVersion readVersion(const Statement& st) {
    EvalSetVersion v;
    v.id = st.integer(0);
    v.name = st.text(1);
    v.version = st.integer(2);
    v.contentHash = st.text(3);
    v.examplesHash = st.text(4);
    v.settings = settingsFromJson(st.text(5));
    v.sourcePath = st.text(6);
    v.sourceHash = st.text(7);
    v.exampleCount = st.integer(8);
    v.createdAt = st.text(9);
    return v;
}

std::vector<EvalSetVersion> queryVersions(const Workspace& ws, const std::string& where,
                                          const std::string& name) {
    Statement st(ws.handle(), std::string(kVersionColumns) + where + " ORDER BY s.name, v.version",
                 ws.path());
    if (!name.empty())
        st.bind(1, name);
    std::vector<EvalSetVersion> out;
    while (st.step())
        out.push_back(readVersion(st));
    return out;
}

int64_t setIdFor(Workspace& ws, const std::string& name) {
    Statement find(ws.handle(), "SELECT id FROM eval_sets WHERE name = ?", ws.path());
    find.bind(1, name);
    if (find.step())
        return find.integer(0);
    Statement(ws.handle(), "INSERT INTO eval_sets(name, created_at) VALUES (?, ?)", ws.path())
        .bind(1, name)
        .bind(2, nowIso8601())
        .run();
    return sqlite3_last_insert_rowid(ws.handle());
}

void insertExamples(Workspace& ws, int64_t versionId, const std::vector<EvalExample>& examples) {
    for (size_t i = 0; i < examples.size(); ++i) {
        const EvalExample& e = examples[i];
        BlobStatement(ws, "INSERT INTO eval_examples(version_id, ordinal, example_id, text, "
                          "slices, dimension) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(1, versionId)
            .bind(2, int64_t(i))
            .bind(3, e.id)
            .bindBlob(4, e.text.data(), e.text.size())
            .bind(5, nlohmann::json(e.slices).dump())
            .bind(6, e.dimension)
            .step();
    }
}

} // namespace

std::string EvalSetVersion::label() const {
    return name + "@v" + std::to_string(version) + ":" + contentHash;
}

EvalSetImport importEvalSet(Workspace& ws, const std::string& name,
                            const std::vector<EvalExample>& examples, const EvalSettings& settings,
                            const std::string& sourcePath, const std::string& sourceHash) {
    if (name.empty() || name.find('@') != std::string::npos)
        throw Error("evaluation set name '" + name + "': must be non-empty and without '@'");
    if (examples.empty())
        throw Error("evaluation set '" + name + "' has no examples");
    const std::string exHash = examplesHash(examples), settings_ = settingsJson(settings);
    const std::string content = evalSetContentHash(exHash, settings_);
    for (auto& v : queryVersions(ws, " WHERE s.name = ?", name))
        if (v.contentHash == content)
            return {std::move(v), false};
    sql::Transaction tx(ws.handle(), ws.path());
    const int64_t setId = setIdFor(ws, name);
    Statement next(ws.handle(),
                   "SELECT COALESCE(MAX(version), 0) + 1 FROM eval_set_versions WHERE set_id = ?",
                   ws.path());
    next.bind(1, setId);
    next.step();
    const int64_t version = next.integer(0);
    Statement(ws.handle(),
              "INSERT INTO eval_set_versions(set_id, version, content_hash, examples_hash, "
              "settings, source_path, source_hash, example_count, created_at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
              ws.path())
        .bind(1, setId)
        .bind(2, version)
        .bind(3, content)
        .bind(4, exHash)
        .bind(5, settings_)
        .bind(6, sourcePath)
        .bind(7, sourceHash)
        .bind(8, int64_t(examples.size()))
        .bind(9, nowIso8601())
        .run();
    insertExamples(ws, sqlite3_last_insert_rowid(ws.handle()), examples);
    tx.commit();
    return {queryVersions(ws, " WHERE s.name = ?", name).back(), true};
}

std::vector<EvalSetVersion> evalSetVersions(const Workspace& ws) {
    return queryVersions(ws, "", "");
}

EvalSetVersion findEvalSetVersion(const Workspace& ws, const std::string& spec) {
    const size_t at = spec.find('@');
    const std::string name = spec.substr(0, at);
    const auto versions = queryVersions(ws, " WHERE s.name = ?", name);
    if (versions.empty())
        throw Error(ws.path().string() + ": no evaluation set '" + name +
                    "' ('quantlens-cli evalset list' shows what is there)");
    if (at == std::string::npos)
        return versions.back();
    std::string number = spec.substr(at + 1);
    if (!number.empty() && (number[0] == 'v' || number[0] == 'V'))
        number.erase(0, 1);
    for (const auto& v : versions)
        if (std::to_string(v.version) == number)
            return v;
    throw Error(ws.path().string() + ": evaluation set '" + name + "' has no version '" +
                spec.substr(at + 1) + "' (latest: " + std::to_string(versions.back().version) +
                ")");
}

std::vector<EvalExample> evalSetExamples(const Workspace& ws, int64_t versionId) {
    BlobStatement st(ws, "SELECT example_id, text, slices, dimension FROM eval_examples "
                         "WHERE version_id = ? ORDER BY ordinal");
    st.bind(1, versionId);
    std::vector<EvalExample> out;
    while (st.step())
        out.push_back({st.text(0), st.text(1),
                       nlohmann::json::parse(st.text(2)).get<std::vector<std::string>>(),
                       st.text(3)});
    return out;
}

std::optional<ExampleBaseline> loadEvalBaseline(const Workspace& ws, int64_t versionId,
                                                const std::string& baseKey) {
    // The record encoding is the version's own setting (baseline_top_k), so a
    // baseline's records are read the way they were written.
    Statement head(ws.handle(),
                   "SELECT b.id, b.n_vocab, v.settings FROM eval_baselines b "
                   "JOIN eval_set_versions v ON v.id = b.version_id "
                   "WHERE b.version_id = ? AND b.base_key = ?",
                   ws.path());
    head.bind(1, versionId).bind(2, baseKey);
    if (!head.step())
        return std::nullopt;
    ExampleBaseline b;
    b.nVocab = int32_t(head.integer(1));
    b.topK = settingsFromJson(head.text(2)).baselineTopK;
    BlobStatement st(ws, "SELECT tokens, records FROM eval_baseline_examples "
                         "WHERE baseline_id = ? ORDER BY ordinal");
    st.bind(1, head.integer(0));
    while (st.step())
        b.entries.push_back({st.array<TokenId>(0), st.array<uint16_t>(1)});
    return b;
}

void storeEvalBaseline(Workspace& ws, int64_t versionId, const std::string& baseKey,
                       const std::string& baseLabel, const ExampleBaseline& b) {
    sql::Transaction tx(ws.handle(), ws.path());
    Statement(ws.handle(),
              "INSERT INTO eval_baselines(version_id, base_key, base_label, n_vocab, encoding, "
              "bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
              ws.path())
        .bind(1, versionId)
        .bind(2, baseKey)
        .bind(3, baseLabel)
        .bind(4, int64_t(b.nVocab))
        .bind(5, b.topK > 0 ? "top-" + std::to_string(b.topK) +
                                  " log-probs with tail bucket and correct-token log-prob (float)"
                            : std::string("llama-perplexity log-probs (uint16, 16-nat clamp)"))
        .bind(6, int64_t(b.bytes()))
        .bind(7, nowIso8601())
        .run();
    const int64_t id = sqlite3_last_insert_rowid(ws.handle());
    for (size_t i = 0; i < b.entries.size(); ++i) {
        const auto& e = b.entries[i];
        BlobStatement(ws, "INSERT INTO eval_baseline_examples(baseline_id, ordinal, tokens, "
                          "records) VALUES (?, ?, ?, ?)")
            .bind(1, id)
            .bind(2, int64_t(i))
            .bindBlob(3, e.tokens.data(), e.tokens.size() * sizeof(TokenId))
            .bindBlob(4, e.records.data(), e.records.size() * sizeof(uint16_t))
            .step();
    }
    tx.commit();
}

void storeLayerOutputErrors(Workspace& ws, int64_t variantId, const std::string& calibrationHash,
                            const std::vector<LayerOutputErrorRecord>& errors) {
    sql::Transaction tx(ws.handle(), ws.path());
    for (const auto& e : errors)
        Statement(ws.handle(),
                  "INSERT OR REPLACE INTO layer_output_errors(variant_id, tensor, "
                  "calibration_hash, rows, rel_error, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                  ws.path())
            .bind(1, variantId)
            .bind(2, e.tensor)
            .bind(3, calibrationHash)
            .bind(4, e.rows)
            .bind(5, e.relError)
            .bind(6, nowIso8601())
            .run();
    tx.commit();
}

std::vector<LayerOutputErrorRecord> layerOutputErrors(const Workspace& ws, int64_t variantId,
                                                      const std::string& calibrationHash) {
    Statement st(ws.handle(),
                 "SELECT tensor, rows, rel_error FROM layer_output_errors WHERE variant_id = ? "
                 "AND calibration_hash = ? ORDER BY rowid",
                 ws.path());
    st.bind(1, variantId).bind(2, calibrationHash);
    std::vector<LayerOutputErrorRecord> out;
    while (st.step())
        out.push_back({st.text(0), st.integer(1), st.real(2), {}, {}});
    return out;
}

void replaceLayerOutputErrors(Workspace& ws, int64_t variantId, const std::string& calibration,
                              const std::vector<LayerOutputErrorRecord>& errors) {
    sql::Transaction tx(ws.handle(), ws.path());
    Statement(ws.handle(),
              "DELETE FROM layer_output_errors WHERE variant_id = ? AND calibration_hash = ?",
              ws.path())
        .bind(1, variantId)
        .bind(2, calibration)
        .run();
    const std::string now = nowIso8601();
    for (const auto& e : errors) {
        Statement st(ws.handle(),
                     "INSERT INTO layer_output_errors(variant_id, tensor, calibration_hash, rows, "
                     "rel_error, created_at, signal, noise) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     ws.path());
        st.bind(1, variantId).bind(2, e.tensor).bind(3, calibration).bind(4, e.rows);
        st.bind(5, e.relError).bind(6, now);
        if (e.signal && e.noise)
            st.bind(7, *e.signal).bind(8, *e.noise);
        st.run(); // unbound traces stay NULL
    }
    tx.commit();
}

std::optional<LayerOutputErrorSet> latestLayerOutputErrors(const Workspace& ws, int64_t variantId) {
    // The newest calibration is the one whose rows were inserted last.
    Statement latest(ws.handle(),
                     "SELECT calibration_hash, created_at FROM layer_output_errors WHERE "
                     "variant_id = ? ORDER BY rowid DESC LIMIT 1",
                     ws.path());
    latest.bind(1, variantId);
    if (!latest.step())
        return std::nullopt;
    LayerOutputErrorSet out{latest.text(0), latest.text(1), {}};
    Statement st(ws.handle(),
                 "SELECT tensor, rows, rel_error, signal IS NOT NULL AND noise IS NOT NULL, "
                 "COALESCE(signal, 0), COALESCE(noise, 0) FROM layer_output_errors WHERE "
                 "variant_id = ? AND calibration_hash = ? ORDER BY rowid",
                 ws.path());
    st.bind(1, variantId).bind(2, out.calibration);
    while (st.step()) {
        LayerOutputErrorRecord r{st.text(0), st.integer(1), st.real(2), {}, {}};
        if (st.integer(3) != 0) {
            r.signal = st.real(4);
            r.noise = st.real(5);
        }
        out.layers.push_back(std::move(r));
    }
    return out;
}

} // namespace ql
