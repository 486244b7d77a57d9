#pragma once
// The shared data's CSV files (quoted fields allowed, "" for a quote inside one), read
// into rows of column name -> value.
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace ql::test {

inline std::vector<std::string> splitCsvLine(const std::string& line) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (c == '"' && quoted && i + 1 < line.size() && line[i + 1] == '"')
            fields.back() += line[++i];
        else if (c == '"')
            quoted = !quoted;
        else if (c == ',' && !quoted)
            fields.emplace_back();
        else if (c != '\r')
            fields.back() += c;
    }
    return fields;
}

// Rows as column name -> value.
inline std::vector<std::map<std::string, std::string>> readCsv(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::string line;
    std::getline(in, line);
    const auto header = splitCsvLine(line);
    std::vector<std::map<std::string, std::string>> rows;
    while (std::getline(in, line)) {
        if (line.empty())
            continue;
        const auto fields = splitCsvLine(line);
        auto& row = rows.emplace_back();
        for (size_t i = 0; i < header.size() && i < fields.size(); ++i)
            row[header[i]] = fields[i];
    }
    return rows;
}

} // namespace ql::test
