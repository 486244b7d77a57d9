#include "engine/store/score_store.h"

#include "engine/core/error.h"
#include "engine/score/importer.h"
#include "engine/store/sqlite_util.h"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

namespace ql {

using nlohmann::json;
using sql::Statement;
using namespace score;

namespace {

// Statements are prepared per row: sqlite_util has no reset, and an unbound parameter
// is how an absent stderr stays NULL. Imports are thousands of rows, not millions.
int64_t insertCell(Workspace& ws, int64_t cardId, const ScoreCell& c) {
    Statement st(ws.handle(),
                 "INSERT INTO score_cells(scorecard_id, variant, dimension, slice, kind, score, n, "
                 "stderr) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 ws.path());
    st.bind(1, cardId).bind(2, c.variant).bind(3, c.dimension).bind(4, c.slice);
    st.bind(5, std::string(cellKindName(c.kind))).bind(6, c.score).bind(7, c.n);
    if (c.stdError)
        st.bind(8, *c.stdError);
    st.run();
    return sqlite3_last_insert_rowid(ws.handle());
}

void insertCells(Workspace& ws, int64_t cardId, const std::vector<ScoreCell>& cells) {
    for (const auto& c : cells) {
        const int64_t cellId = insertCell(ws, cardId, c);
        for (const auto& e : c.examples)
            Statement(ws.handle(),
                      "INSERT INTO score_examples(cell_id, example_id, value) VALUES (?, ?, ?)",
                      ws.path())
                .bind(1, cellId)
                .bind(2, e.id)
                .bind(3, e.value)
                .run();
    }
}

const char* kScorecardColumns = "SELECT id, name, source_path, source_hash, eval_set_version, "
                                "evaluator, baseline, imported_at FROM scorecards";

Scorecard readHeader(const Statement& st) {
    Scorecard c;
    c.id = st.integer(0);
    c.name = st.text(1);
    c.sourcePath = st.text(2);
    c.sourceHash = st.text(3);
    c.evalSetVersion = st.text(4);
    c.evaluator = st.text(5);
    c.baseline = st.text(6);
    c.importedAt = st.text(7);
    return c;
}

void readCells(const Workspace& ws, Scorecard& card) {
    Statement st(ws.handle(),
                 "SELECT id, variant, dimension, slice, kind, score, n, stderr, stderr IS NULL "
                 "FROM score_cells WHERE scorecard_id = ? ORDER BY id",
                 ws.path());
    st.bind(1, card.id);
    while (st.step()) {
        ScoreCell c{st.text(1), st.text(2),    st.text(3), cellKindFromName(st.text(4)),
                    st.real(5), st.integer(6), {},         {}};
        if (st.integer(8) == 0)
            c.stdError = st.real(7);
        Statement ex(ws.handle(),
                     "SELECT example_id, value FROM score_examples WHERE cell_id = ? ORDER BY "
                     "rowid",
                     ws.path());
        ex.bind(1, st.integer(0));
        while (ex.step())
            c.examples.push_back({ex.text(0), ex.real(1)});
        card.cells.push_back(std::move(c));
    }
}

json flaggedJson(const std::vector<FlaggedVariant>& flagged) {
    json out = json::array();
    for (const auto& f : flagged)
        out.push_back({{"variant", f.variant}, {"surfaces", f.surfaces}});
    return out;
}

std::vector<FlaggedVariant> flaggedFrom(const std::string& text) {
    std::vector<FlaggedVariant> out;
    for (const auto& f : json::parse(text))
        out.push_back(
            {f["variant"].get<std::string>(), f["surfaces"].get<std::vector<std::string>>()});
    return out;
}

} // namespace

int64_t addScorecard(Workspace& ws, const Scorecard& card) {
    sql::Transaction tx(ws.handle(), ws.path());
    Statement(ws.handle(),
              "INSERT INTO scorecards(name, source_path, source_hash, eval_set_version, "
              "evaluator, baseline, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
              ws.path())
        .bind(1, card.name)
        .bind(2, card.sourcePath)
        .bind(3, card.sourceHash)
        .bind(4, card.evalSetVersion)
        .bind(5, card.evaluator)
        .bind(6, card.baseline)
        .bind(7, card.importedAt.empty() ? nowIso8601() : card.importedAt)
        .run();
    const int64_t id = sqlite3_last_insert_rowid(ws.handle());
    insertCells(ws, id, card.cells);
    tx.commit();
    return id;
}

void mergeIntoScorecard(Workspace& ws, int64_t id, const Scorecard& incoming) {
    const auto existing = loadScorecard(ws, id);
    if (!existing)
        throw Error(ws.path().string() + ": no scorecard " + std::to_string(id));
    checkCanMerge(*existing, incoming);
    sql::Transaction tx(ws.handle(), ws.path());
    insertCells(ws, id, incoming.cells);
    if (existing->baseline.empty() && !incoming.baseline.empty())
        Statement(ws.handle(), "UPDATE scorecards SET baseline = ? WHERE id = ?", ws.path())
            .bind(1, incoming.baseline)
            .bind(2, id)
            .run();
    tx.commit();
}

std::vector<Scorecard> scorecardList(const Workspace& ws) {
    Statement st(ws.handle(), std::string(kScorecardColumns) + " ORDER BY id", ws.path());
    std::vector<Scorecard> out;
    while (st.step())
        out.push_back(readHeader(st));
    return out;
}

std::optional<Scorecard> loadScorecard(const Workspace& ws, int64_t id) {
    Statement st(ws.handle(), std::string(kScorecardColumns) + " WHERE id = ?", ws.path());
    st.bind(1, id);
    if (!st.step())
        return std::nullopt;
    Scorecard card = readHeader(st);
    readCells(ws, card);
    return card;
}

int64_t addGatePolicy(Workspace& ws, const std::string& name, const std::string& body) {
    Statement find(ws.handle(), "SELECT id FROM gate_policies WHERE body = ?", ws.path());
    find.bind(1, body);
    if (find.step())
        return find.integer(0);
    Statement(ws.handle(), "INSERT INTO gate_policies(name, body, created_at) VALUES (?, ?, ?)",
              ws.path())
        .bind(1, name)
        .bind(2, body)
        .bind(3, nowIso8601())
        .run();
    return sqlite3_last_insert_rowid(ws.handle());
}

void addGateVerdicts(Workspace& ws, int64_t policyId, int64_t scorecardId,
                     const GateResult& result) {
    const json all = gateResultJson(result);
    sql::Transaction tx(ws.handle(), ws.path());
    for (size_t i = 0; i < result.variants.size(); ++i)
        Statement(ws.handle(),
                  "INSERT INTO gate_verdicts(policy_id, scorecard_id, variant, verdict, "
                  "comparisons, reasons, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                  ws.path())
            .bind(1, policyId)
            .bind(2, scorecardId)
            .bind(3, result.variants[i].variant)
            .bind(4, std::string(verdictName(result.variants[i].verdict)))
            .bind(5, int64_t(result.comparisons))
            .bind(6, all["variants"][i]["reasons"].dump())
            .bind(7, nowIso8601())
            .run();
    tx.commit();
}

std::vector<StoredVerdict> gateVerdicts(const Workspace& ws, int64_t scorecardId) {
    Statement st(ws.handle(),
                 "SELECT id, policy_id, scorecard_id, variant, verdict, comparisons, reasons, "
                 "created_at FROM gate_verdicts WHERE scorecard_id = ? ORDER BY id",
                 ws.path());
    st.bind(1, scorecardId);
    std::vector<StoredVerdict> out;
    while (st.step())
        out.push_back({st.integer(0), st.integer(1), st.integer(2), st.text(3), st.text(4),
                       int(st.integer(5)), st.text(6), st.text(7)});
    return out;
}

int64_t addDecision(Workspace& ws, const Decision& d) {
    std::optional<int64_t> supersedes = d.supersedes;
    if (!supersedes)
        if (const auto current = currentDecision(ws, d.subject))
            supersedes = current->id;
    sql::Transaction tx(ws.handle(), ws.path());
    Statement st(ws.handle(),
                 "INSERT INTO decisions(subject, default_variant, flagged, rationale, author, "
                 "created_at, gate_policy_id, supersedes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 ws.path());
    st.bind(1, d.subject).bind(2, d.defaultVariant).bind(3, flaggedJson(d.flagged).dump());
    st.bind(4, d.rationale).bind(5, d.author);
    st.bind(6, d.createdAt.empty() ? nowIso8601() : d.createdAt);
    if (d.gatePolicyId)
        st.bind(7, *d.gatePolicyId);
    if (supersedes)
        st.bind(8, *supersedes);
    st.run();
    const int64_t id = sqlite3_last_insert_rowid(ws.handle());
    for (const int64_t card : d.scorecardIds)
        Statement(ws.handle(),
                  "INSERT INTO decision_scorecards(decision_id, scorecard_id) VALUES (?, ?)",
                  ws.path())
            .bind(1, id)
            .bind(2, card)
            .run();
    tx.commit();
    return id;
}

std::vector<Decision> decisions(const Workspace& ws) {
    Statement st(ws.handle(),
                 "SELECT d.id, d.subject, d.default_variant, d.flagged, d.rationale, d.author, "
                 "d.created_at, d.gate_policy_id, d.gate_policy_id IS NULL, d.supersedes, "
                 "d.supersedes IS NULL, (SELECT s.id FROM decisions s WHERE s.supersedes = d.id) "
                 "FROM decisions d ORDER BY d.id",
                 ws.path());
    std::vector<Decision> out;
    while (st.step()) {
        Decision d;
        d.id = st.integer(0);
        d.subject = st.text(1);
        d.defaultVariant = st.text(2);
        d.flagged = flaggedFrom(st.text(3));
        d.rationale = st.text(4);
        d.author = st.text(5);
        d.createdAt = st.text(6);
        if (st.integer(8) == 0)
            d.gatePolicyId = st.integer(7);
        if (st.integer(10) == 0)
            d.supersedes = st.integer(9);
        if (const int64_t by = st.integer(11); by != 0)
            d.supersededBy = by;
        out.push_back(std::move(d));
    }
    for (auto& d : out) {
        Statement ids(ws.handle(),
                      "SELECT scorecard_id FROM decision_scorecards WHERE decision_id = ? "
                      "ORDER BY scorecard_id",
                      ws.path());
        ids.bind(1, d.id);
        while (ids.step())
            d.scorecardIds.push_back(ids.integer(0));
    }
    return out;
}

std::optional<Decision> currentDecision(const Workspace& ws, const std::string& subject) {
    std::optional<Decision> out;
    for (auto& d : decisions(ws))
        if (d.subject == subject && !d.supersededBy)
            out = std::move(d);
    return out;
}

} // namespace ql
