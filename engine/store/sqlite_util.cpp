#include "engine/store/sqlite_util.h"

#include "engine/core/error.h"

#include <sqlite3.h>

namespace ql::sql {

Statement::Statement(sqlite3* db, const std::string& text, const std::filesystem::path& file)
    : m_db(db)
    , m_text(text)
    , m_file(file) {
    check(sqlite3_prepare_v2(db, text.c_str(), int(text.size()), &m_stmt, nullptr), "prepare");
}

Statement::~Statement() {
    sqlite3_finalize(m_stmt);
}

void Statement::check(int rc, const char* what) const {
    if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE)
        return;
    throw Error(m_file.string() + ": workspace " + what + " failed: " + sqlite3_errmsg(m_db) +
                " (in: " + m_text.substr(0, 80) + ")");
}

Statement& Statement::bind(int index, int64_t value) {
    check(sqlite3_bind_int64(m_stmt, index, value), "bind");
    return *this;
}

Statement& Statement::bind(int index, double value) {
    check(sqlite3_bind_double(m_stmt, index, value), "bind");
    return *this;
}

Statement& Statement::bind(int index, const std::string& value) {
    check(sqlite3_bind_text(m_stmt, index, value.data(), int(value.size()), SQLITE_TRANSIENT),
          "bind");
    return *this;
}

bool Statement::step() {
    const int rc = sqlite3_step(m_stmt);
    check(rc, "step");
    return rc == SQLITE_ROW;
}

void Statement::run() {
    while (step()) {
    }
}

int64_t Statement::integer(int column) const {
    return sqlite3_column_int64(m_stmt, column);
}
double Statement::real(int column) const {
    return sqlite3_column_double(m_stmt, column);
}

std::string Statement::text(int column) const {
    const auto* p = sqlite3_column_text(m_stmt, column);
    return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
}

void exec(sqlite3* db, const std::string& sql, const std::filesystem::path& file) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        std::string text = message ? message : "unknown error";
        sqlite3_free(message);
        throw Error(file.string() + ": workspace statement failed: " + text);
    }
}

Transaction::Transaction(sqlite3* db, const std::filesystem::path& file)
    : m_db(db)
    , m_file(file) {
    exec(db, "BEGIN IMMEDIATE", file);
}

Transaction::~Transaction() {
    if (!m_done)
        sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
    exec(m_db, "COMMIT", m_file);
    m_done = true;
}

} // namespace ql::sql
