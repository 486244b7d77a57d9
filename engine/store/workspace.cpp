#include "engine/store/workspace.h"

#include "engine/core/error.h"
#include "engine/core/mapped_file.h"
#include "engine/store/schema.h"
#include "engine/store/sqlite_util.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <sqlite3.h>
#include <xxhash.h>

namespace ql {

using sql::Statement;

Workspace::Workspace(const std::filesystem::path& file)
    : m_path(file) {
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
    if (sqlite3_open_v2(file.c_str(), &m_db, flags, nullptr) != SQLITE_OK) {
        std::string why = m_db ? sqlite3_errmsg(m_db) : "out of memory";
        sqlite3_close(m_db);
        throw Error(file.string() + ": cannot open workspace: " + why);
    }
    try {
        sqlite3_busy_timeout(m_db, 5000);
        sql::exec(m_db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;", m_path);
        migrate();
    } catch (...) {
        sqlite3_close(m_db);
        throw;
    }
}

Workspace::~Workspace() {
    sqlite3_close(m_db);
}

int Workspace::latestSchemaVersion() {
    return int(workspaceMigrations().size());
}

int Workspace::schemaVersion() const {
    Statement st(m_db, "SELECT version FROM schema_version", m_path);
    return st.step() ? int(st.integer(0)) : 0;
}

void Workspace::migrate() {
    sql::exec(m_db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", m_path);
    const auto& migrations = workspaceMigrations();
    int version = schemaVersion();
    if (version > int(migrations.size()))
        throw Error(m_path.string() + ": workspace schema version " + std::to_string(version) +
                    " is newer than this Quantlens understands (" +
                    std::to_string(migrations.size()) + "); nothing was changed");
    for (; version < int(migrations.size()); ++version) {
        sql::Transaction tx(m_db, m_path);
        sql::exec(m_db, std::string(migrations[size_t(version)]), m_path);
        sql::exec(m_db, "DELETE FROM schema_version", m_path);
        Statement(m_db, "INSERT INTO schema_version(version) VALUES (?)", m_path)
            .bind(1, int64_t(version + 1))
            .run();
        tx.commit();
    }
}

int64_t Workspace::addModel(const ModelRecord& m) {
    Statement find(m_db, "SELECT id FROM models WHERE path = ? AND content_hash = ?", m_path);
    find.bind(1, m.path).bind(2, m.contentHash);
    if (find.step())
        return find.integer(0);
    Statement(m_db,
              "INSERT INTO models(path, file_bytes, content_hash, format, architecture, "
              "parameter_count, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
              m_path)
        .bind(1, m.path)
        .bind(2, int64_t(m.fileBytes))
        .bind(3, m.contentHash)
        .bind(4, m.format)
        .bind(5, m.architecture)
        .bind(6, m.parameterCount)
        .bind(7, m.addedAt.empty() ? nowIso8601() : m.addedAt)
        .run();
    return sqlite3_last_insert_rowid(m_db);
}

namespace {

const char* kModelColumns =
    "SELECT id, path, file_bytes, content_hash, format, architecture, parameter_count, added_at "
    "FROM models";

ModelRecord readModel(const Statement& st) {
    ModelRecord m;
    m.id = st.integer(0);
    m.path = st.text(1);
    m.fileBytes = uint64_t(st.integer(2));
    m.contentHash = st.text(3);
    m.format = st.text(4);
    m.architecture = st.text(5);
    m.parameterCount = st.integer(6);
    m.addedAt = st.text(7);
    return m;
}

} // namespace

std::vector<ModelRecord> Workspace::models() const {
    Statement st(m_db, std::string(kModelColumns) + " ORDER BY id", m_path);
    std::vector<ModelRecord> out;
    while (st.step())
        out.push_back(readModel(st));
    return out;
}

std::optional<ModelRecord> Workspace::model(int64_t id) const {
    Statement st(m_db, std::string(kModelColumns) + " WHERE id = ?", m_path);
    st.bind(1, id);
    if (!st.step())
        return std::nullopt;
    return readModel(st);
}

std::string hashFiles(const std::vector<std::filesystem::path>& files) {
    XXH64_state_t* state = XXH64_createState();
    XXH64_reset(state, 0);
    for (const auto& f : files) {
        MappedFile map(f);
        XXH64_update(state, map.bytes().data(), map.size());
    }
    const XXH64_hash_t h = XXH64_digest(state);
    XXH64_freeState(state);
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

std::string nowIso8601() {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

} // namespace ql
