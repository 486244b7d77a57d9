#include "engine/score/table_reader.h"

#include "engine/core/error.h"
#include "engine/model/json_util.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace ql::score {

int Table::column(const std::string& name) const {
    for (size_t i = 0; i < header.size(); ++i)
        if (header[i] == name)
            return int(i);
    return -1;
}

namespace {

std::string slurp(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw Error(file.string() + ": cannot open the file");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// One CSV record starting at `pos`; advances `pos` and `line` past it.
std::vector<std::string> csvRecord(const std::string& text, size_t& pos, int& line,
                                   const std::string& label) {
    std::vector<std::string> fields(1);
    const int startLine = line;
    bool quoted = false;
    while (pos < text.size()) {
        const char ch = text[pos++];
        if (quoted) {
            if (ch == '"' && pos < text.size() && text[pos] == '"') {
                fields.back() += '"';
                ++pos;
            } else if (ch == '"') {
                quoted = false;
            } else {
                line += (ch == '\n');
                fields.back() += ch;
            }
        } else if (ch == '"') {
            quoted = true;
        } else if (ch == ',') {
            fields.emplace_back();
        } else if (ch == '\n') {
            ++line;
            break;
        } else if (ch != '\r') {
            fields.back() += ch;
        }
    }
    if (quoted)
        throw Error(label + ":" + std::to_string(startLine) +
                    ": a quoted field is never closed before the end of the file");
    return fields;
}

bool blank(const std::vector<std::string>& fields) {
    return fields.size() == 1 && fields[0].empty();
}

std::string fieldText(const nlohmann::json& v) {
    if (v.is_string())
        return v.get<std::string>();
    if (v.is_null())
        return {};
    return v.dump();
}

} // namespace

Table readCsv(const std::filesystem::path& file) {
    const std::string text = slurp(file);
    Table t;
    t.label = file.filename().string();
    size_t pos = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0; // skip a UTF-8 BOM
    int line = 1;
    t.header = csvRecord(text, pos, line, t.label);
    if (blank(t.header))
        throw Error(t.label + ":1: the file is empty; expected a header line");
    while (pos < text.size()) {
        TableRow row;
        row.line = line;
        row.fields = csvRecord(text, pos, line, t.label);
        if (blank(row.fields))
            continue;
        if (row.fields.size() != t.header.size())
            throw Error(t.label + ":" + std::to_string(row.line) + ": " +
                        std::to_string(row.fields.size()) + " fields, but the header has " +
                        std::to_string(t.header.size()));
        t.rows.push_back(std::move(row));
    }
    return t;
}

Table readJsonl(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw Error(file.string() + ": cannot open the file");
    Table t;
    t.label = file.filename().string();
    std::string text;
    std::vector<nlohmann::json> objects;
    std::vector<int> lines;
    uint64_t offset = 0; // of the line in the file
    for (int line = 1; std::getline(in, text); ++line, offset += text.size() + 1) {
        if (text.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        // fieldText() dumps nested values, recursing once per level.
        checkJsonNesting(text, t.label + ":" + std::to_string(line), offset, "the row");
        nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
        if (j.is_discarded() || !j.is_object())
            throw Error(t.label + ":" + std::to_string(line) + ": not a JSON object");
        for (const auto& [key, value] : j.items())
            if (t.column(key) < 0)
                t.header.push_back(key);
        objects.push_back(std::move(j));
        lines.push_back(line);
    }
    for (size_t i = 0; i < objects.size(); ++i) {
        TableRow row{lines[i], std::vector<std::string>(t.header.size())};
        for (const auto& [key, value] : objects[i].items())
            row.fields[size_t(t.column(key))] = fieldText(value);
        t.rows.push_back(std::move(row));
    }
    return t;
}

Table readTable(const std::filesystem::path& file) {
    const auto ext = file.extension().string();
    return ext == ".jsonl" || ext == ".ndjson" ? readJsonl(file) : readCsv(file);
}

} // namespace ql::score
