#pragma once
// Rows of a CSV (RFC 4180: quoted fields, doubled quotes, CRLF) or JSONL file as text
// fields under a header, each row remembering the line it started on, so that import
// errors can say "scores.csv:12: column 'score': ...".
#include <filesystem>
#include <string>
#include <vector>

namespace ql::score {

struct TableRow {
    int line = 0;
    std::vector<std::string> fields; // one per header column; "" when absent
};

struct Table {
    std::string label; // file name for messages
    std::vector<std::string> header;
    std::vector<TableRow> rows;
    int column(const std::string& name) const; // -1 when absent
};

Table readCsv(const std::filesystem::path& file);
// Keys of the objects become the header (first-seen order); numbers keep their JSON text.
Table readJsonl(const std::filesystem::path& file);
Table readTable(const std::filesystem::path& file); // by extension: .jsonl/.ndjson or CSV

} // namespace ql::score
