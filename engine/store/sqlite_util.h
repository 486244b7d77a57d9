#pragma once
// Thin RAII over the sqlite3 C API: statements that finalize themselves, and errors
// that name the workspace file and the failing statement.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace ql::sql {

class Statement {
public:
    Statement(sqlite3* db, const std::string& text, const std::filesystem::path& file);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, int64_t value);
    Statement& bind(int index, double value);
    Statement& bind(int index, const std::string& value);
    bool step(); // true while a row is available
    void run();  // step to completion
    int64_t integer(int column) const;
    double real(int column) const;
    std::string text(int column) const;

private:
    void check(int rc, const char* what) const;
    sqlite3* m_db;
    sqlite3_stmt* m_stmt = nullptr;
    std::string m_text;
    std::filesystem::path m_file;
};

void exec(sqlite3* db, const std::string& sql, const std::filesystem::path& file);

// BEGIN IMMEDIATE ... COMMIT, rolled back if the scope ends by an exception.
class Transaction {
public:
    Transaction(sqlite3* db, const std::filesystem::path& file);
    ~Transaction();
    void commit();

private:
    sqlite3* m_db;
    std::filesystem::path m_file;
    bool m_done = false;
};

} // namespace ql::sql
