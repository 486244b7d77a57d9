#include "engine/eval/eval_set_import.h"

#include "engine/core/error.h"
#include "engine/model/json_util.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace ql {
namespace {

using nlohmann::json;

std::string readAll(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(path.string() + ": cannot open the evaluation set");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

struct Where {
    const std::string& file;
    size_t line;   // 1-based
    size_t offset; // byte offset of the line's first byte in the file
    std::string at(size_t column = 0) const {
        return file + ":" + std::to_string(line) + " (byte " + groupDigits(offset + column) + "): ";
    }
};

std::vector<std::string> slicesOf(const json& j, const Where& w) {
    const auto it = j.find("slice");
    if (it == j.end() || it->is_null())
        return {};
    if (it->is_string())
        return {it->get<std::string>()};
    if (!it->is_array())
        throw Error(w.at() + "field 'slice' must be a string or a list of strings");
    std::vector<std::string> out;
    for (const auto& s : *it) {
        if (!s.is_string())
            throw Error(w.at() + "field 'slice' must be a string or a list of strings");
        out.push_back(s.get<std::string>());
    }
    return out;
}

std::string idOf(const json& j, const Where& w) {
    const auto it = j.find("id");
    if (it == j.end() || it->is_null())
        return "line-" + std::to_string(w.line);
    if (it->is_string())
        return it->get<std::string>();
    if (it->is_number_integer())
        return std::to_string(it->get<int64_t>());
    throw Error(w.at() + "field 'id' must be a string or an integer");
}

EvalExample exampleOf(std::string_view line, const Where& w) {
    // Nesting first (json_util.h): a value nested thousands deep is refused, not walked.
    checkJsonNesting(line, w.file + ":" + std::to_string(w.line), w.offset, "the line");
    json j;
    try {
        j = json::parse(line);
    } catch (const json::parse_error& e) {
        // e.byte is 1-based within the line.
        throw Error(w.at(e.byte > 0 ? e.byte - 1 : 0) + "bad JSON: " + e.what());
    }
    if (!j.is_object())
        throw Error(w.at() + "expected a JSON object");
    const auto text = j.find("text");
    if (text == j.end() || !text->is_string())
        throw Error(w.at() + "missing text: field 'text' must be a string");
    if (text->get<std::string>().empty())
        throw Error(w.at() + "field 'text' is empty");
    EvalExample e{idOf(j, w), text->get<std::string>(), slicesOf(j, w), {}};
    for (size_t i = 0; i < e.slices.size(); ++i) {
        if (e.slices[i] == "all" || e.slices[i].empty())
            throw Error(w.at() + "slice '" + e.slices[i] +
                        "' is reserved (\"all\" is every example) or empty");
        if (std::find(e.slices.begin(), e.slices.begin() + long(i), e.slices[i]) !=
            e.slices.begin() + long(i))
            throw Error(w.at() + "slice '" + e.slices[i] + "' is listed twice");
    }
    if (const auto d = j.find("dimension"); d != j.end() && !d->is_null()) {
        if (!d->is_string())
            throw Error(w.at() + "field 'dimension' must be a string");
        e.dimension = d->get<std::string>();
    }
    return e;
}

bool blank(std::string_view s) {
    return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

} // namespace

std::vector<EvalExample> parseJsonlExamples(std::string_view content, const std::string& file) {
    std::vector<EvalExample> out;
    std::set<std::string> ids;
    size_t offset = 0;
    for (size_t line = 1; offset < content.size(); ++line) {
        const size_t end = std::min(content.find('\n', offset), content.size());
        const std::string_view text = content.substr(offset, end - offset);
        const Where w{file, line, offset};
        if (!blank(text)) {
            EvalExample e = exampleOf(text, w);
            if (!ids.insert(e.id).second)
                throw Error(w.at() + "duplicate id '" + e.id + "'");
            out.push_back(std::move(e));
        }
        offset = end + 1;
    }
    if (out.empty())
        throw Error(file + ": no examples (an evaluation set needs at least one)");
    return out;
}

std::vector<EvalExample> readJsonlExamples(const std::filesystem::path& path) {
    return parseJsonlExamples(readAll(path), path.string());
}

std::vector<EvalExample> splitSeparatedExamples(std::string_view content,
                                                const std::string& separator) {
    if (separator.empty() || separator.find('\n') != std::string::npos)
        throw Error("separator must be one non-empty line");
    std::vector<EvalExample> out;
    std::string current;
    bool started = false;
    const auto flush = [&] {
        if (!blank(current))
            out.push_back({std::to_string(out.size() + 1), current, {}, {}});
        current.clear();
        started = false;
    };
    size_t offset = 0;
    while (offset < content.size()) {
        const size_t end = std::min(content.find('\n', offset), content.size());
        std::string_view line = content.substr(offset, end - offset);
        const std::string_view bare =
            !line.empty() && line.back() == '\r' ? line.substr(0, line.size() - 1) : line;
        if (bare == separator) {
            flush();
        } else {
            if (started)
                current += '\n';
            current += line;
            started = true;
        }
        offset = end + 1;
    }
    flush();
    return out;
}

std::vector<EvalExample> readSeparatedExamples(const std::filesystem::path& path,
                                               const std::string& separator) {
    auto out = splitSeparatedExamples(readAll(path), separator);
    if (out.empty())
        throw Error(path.string() + ": no examples between the separator lines '" + separator +
                    "'");
    return out;
}

} // namespace ql
