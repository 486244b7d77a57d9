// Long-format CSV/JSONL: one score per row (or one per score column in a wide file),
// per-example rows when an example column is mapped.
#include "engine/core/error.h"
#include "engine/score/importer.h"
#include "engine/score/table_reader.h"
#include "engine/store/workspace.h"

#include <charconv>
#include <cmath>
#include <map>

namespace ql::score {

namespace {

struct Columns {
    std::vector<int> variant, slice, dimension, group, scores;
    int n = -1, example = -1, stdError = -1, evaluator = -1;
};

int resolve(const Table& t, const std::string& name, const std::string& role, bool required) {
    if (name.empty())
        return -1;
    const int c = t.column(name);
    if (c < 0 && required) {
        std::string cols;
        for (const auto& h : t.header)
            cols += (cols.empty() ? "" : ", ") + h;
        throw Error(t.label + ": the mapping names column '" + name + "' for role " + role +
                    ", but the header has only: " + cols);
    }
    return c;
}

std::vector<int> resolveAll(const Table& t, const std::vector<std::string>& names,
                            const std::string& role, bool required) {
    std::vector<int> out;
    for (const auto& n : names)
        if (const int c = resolve(t, n, role, required); c >= 0)
            out.push_back(c);
    return out;
}

Columns resolveColumns(const Table& t, const ColumnMapping& m) {
    const bool strict = m.explicitMapping;
    Columns c;
    c.variant = resolveAll(t, m.variant, "variant", true);
    c.slice = resolveAll(t, m.slice, "slice", strict);
    c.dimension = resolveAll(t, m.dimension, "dimension", strict);
    c.group = resolveAll(t, m.group, "group", true);
    c.scores = resolveAll(t, m.scores, "score", true);
    c.n = resolve(t, m.n, "n", strict);
    c.example = resolve(t, m.example, "example", strict);
    c.stdError = resolve(t, m.stdError, "stderr", strict);
    c.evaluator = resolve(t, m.evaluator, "evaluator", true);
    return c;
}

std::string joined(const TableRow& row, const std::vector<int>& cols) {
    std::string out;
    for (const int c : cols)
        out += (out.empty() ? "" : " / ") + row.fields[size_t(c)];
    return out;
}

[[noreturn]] void fail(const Table& t, const TableRow& row, const std::string& what) {
    throw Error(t.label + ":" + std::to_string(row.line) + ": " + what);
}

double number(const Table& t, const TableRow& row, int col) {
    const std::string& s = row.fields[size_t(col)];
    double v = 0.0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v))
        fail(t, row, "column '" + t.header[size_t(col)] + "': '" + s + "' is not a number");
    return v;
}

int64_t count(const Table& t, const TableRow& row, int col) {
    const std::string& s = row.fields[size_t(col)];
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v < 0)
        fail(t, row,
             "column '" + t.header[size_t(col)] + "': '" + s + "' is not a count of examples");
    return v;
}

// Cells of one scorecard under construction, with the line each was first seen on.
struct Builder {
    Scorecard card;
    std::map<std::string, size_t> index;
    std::map<size_t, int> firstLine;
    std::string evaluator;
};

class LongImporter {
public:
    LongImporter(const Table& t, const ImportOptions& o)
        : m_t(t)
        , m_o(o)
        , m_c(resolveColumns(t, o.mapping)) {}

    std::vector<Scorecard> run(const std::string& hash, const std::string& path) {
        for (const auto& row : m_t.rows)
            addRow(row);
        std::vector<Scorecard> out;
        for (auto& [name, b] : m_builders)
            out.push_back(finish(b, name, hash, path));
        return out; // in the order the file first names each group
    }

private:
    void addRow(const TableRow& row) {
        const std::string group = m_c.group.empty() ? std::string() : joined(row, m_c.group);
        auto [at, fresh] = m_groupIndex.emplace(group, m_builders.size());
        if (fresh)
            m_builders.emplace_back(group, Builder{});
        auto& b = m_builders[at->second].second;
        checkEvaluator(b, row);
        const std::string variant = joined(row, m_c.variant);
        if (variant.empty())
            fail(m_t, row, "the variant is empty");
        std::string slice = m_o.mapping.constSlice;
        if (slice.empty())
            slice = m_c.slice.empty() ? "all" : joined(row, m_c.slice);
        for (const int sc : m_c.scores) {
            if (row.fields[size_t(sc)].empty())
                continue; // a missing score is a missing cell, which the gate reports
            addScore(b, row, variant, dimensionOf(row, sc), slice, sc);
        }
    }

    std::string dimensionOf(const TableRow& row, int scoreCol) const {
        if (!m_o.mapping.constDimension.empty())
            return m_o.mapping.constDimension;
        if (m_c.scores.size() > 1 || m_c.dimension.empty())
            return m_t.header[size_t(scoreCol)];
        return joined(row, m_c.dimension);
    }

    void addScore(Builder& b, const TableRow& row, const std::string& variant,
                  const std::string& dimension, const std::string& slice, int scoreCol) {
        const double value = number(m_t, row, scoreCol) * m_o.scoreScale;
        const std::string exampleId =
            m_c.example >= 0 ? row.fields[size_t(m_c.example)] : std::string();
        const std::string key = variant + '\x1f' + dimension + '\x1f' + slice;
        auto [it, fresh] = b.index.emplace(key, b.card.cells.size());
        if (fresh) {
            b.card.cells.push_back({variant, dimension, slice, CellKind::Slice, value, 0, {}, {}});
            b.firstLine[it->second] = row.line;
        } else if (exampleId.empty()) {
            fail(m_t, row,
                 "a second score for variant '" + variant + "', dimension '" + dimension +
                     "', slice '" + slice + "' (first on line " +
                     std::to_string(b.firstLine[it->second]) + ")");
        }
        ScoreCell& cell = b.card.cells[it->second];
        if (!exampleId.empty())
            cell.examples.push_back({exampleId, value});
        if (m_c.n >= 0 && !row.fields[size_t(m_c.n)].empty())
            cell.n = count(m_t, row, m_c.n);
        if (m_c.stdError >= 0 && !row.fields[size_t(m_c.stdError)].empty())
            cell.stdError = number(m_t, row, m_c.stdError) * m_o.scoreScale;
    }

    void checkEvaluator(Builder& b, const TableRow& row) {
        if (m_c.evaluator < 0)
            return;
        const std::string& e = row.fields[size_t(m_c.evaluator)];
        if (b.evaluator.empty())
            b.evaluator = e;
        else if (e != b.evaluator)
            fail(m_t, row,
                 "evaluator '" + e + "' differs from '" + b.evaluator +
                     "' earlier in the same scorecard; the same evaluators must "
                     "score every variant");
    }

    Scorecard finish(Builder& b, const std::string& group, const std::string& hash,
                     const std::string& path) {
        Scorecard card = std::move(b.card);
        for (auto& cell : card.cells)
            if (!cell.examples.empty()) {
                cell.score = exampleMean(cell.examples);
                cell.n = int64_t(cell.examples.size());
            }
        card.name = !group.empty()      ? group
                    : !m_o.name.empty() ? m_o.name
                                        : std::filesystem::path(path).stem().string();
        card.sourcePath = path;
        card.sourceHash = hash;
        card.evalSetVersion = m_o.evalSetVersion.empty() ? "file:" + hash : m_o.evalSetVersion;
        card.evaluator = !m_o.evaluator.empty() ? m_o.evaluator
                         : !b.evaluator.empty() ? b.evaluator
                                                : "unspecified (long-format import)";
        finishScorecard(card, m_o);
        return card;
    }

    const Table& m_t;
    const ImportOptions& m_o;
    Columns m_c;
    std::vector<std::pair<std::string, Builder>> m_builders;
    std::map<std::string, size_t> m_groupIndex;
};

} // namespace

std::vector<Scorecard> importLongTable(const std::filesystem::path& file,
                                       const ImportOptions& options) {
    const Table t = readTable(file);
    if (t.rows.empty())
        throw Error(t.label + ": no rows after the header");
    return LongImporter(t, options).run(hashFiles({file}), file.string());
}

} // namespace ql::score
