#include "engine/core/error.h"
#include "engine/score/importer.h"

#include <sstream>

namespace ql::score {

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> out;
    std::string part;
    std::istringstream in(text);
    while (std::getline(in, part, sep))
        out.push_back(part);
    return out;
}

const std::string kConst = "const:";

void assignRole(ColumnMapping& m, const std::string& role, const std::string& value) {
    const bool constant = value.rfind(kConst, 0) == 0;
    const std::string literal = constant ? value.substr(kConst.size()) : std::string();
    if (constant && role != "slice" && role != "dimension")
        throw Error("--mapping: only slice and dimension take a constant, not " + role);
    if (role == "variant")
        m.variant = split(value, '+');
    else if (role == "slice")
        constant ? void(m.constSlice = literal) : void(m.slice = split(value, '+'));
    else if (role == "dimension")
        constant ? void(m.constDimension = literal) : void(m.dimension = split(value, '+'));
    else if (role == "group")
        m.group = split(value, '+');
    else if (role == "score")
        m.scores.push_back(value);
    else if (role == "n")
        m.n = value;
    else if (role == "example")
        m.example = value;
    else if (role == "stderr")
        m.stdError = value;
    else if (role == "evaluator")
        m.evaluator = value;
    else
        throw Error("--mapping: unknown role '" + role +
                    "' (roles: variant, slice, dimension, group, score, n, example, stderr, "
                    "evaluator)");
}

} // namespace

ColumnMapping parseMapping(const std::string& text) {
    ColumnMapping m;
    m.explicitMapping = true;
    for (const auto& item : split(text, ',')) {
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
            throw Error("--mapping: '" + item + "' is not role=COLUMN");
        assignRole(m, item.substr(0, eq), item.substr(eq + 1));
    }
    if (m.variant.empty())
        throw Error("--mapping: no column for the variant role");
    if (m.scores.empty())
        m.scores = {"score"};
    return m;
}

ColumnMapping defaultMapping() {
    ColumnMapping m;
    m.variant = {"variant"};
    m.slice = {"slice"};
    m.dimension = {"dimension"};
    m.scores = {"score"};
    m.n = "n";
    m.example = "example_id";
    m.stdError = "stderr";
    return m;
}

} // namespace ql::score
