// The report's tables: provenance, gate verdicts, scorecard dimensions, fit, history.
#include "ui/fit_chart_math.h"
#include "ui/heatmap_math.h"
#include "ui/report_html_parts.h"

#include <QStringList>
#include <set>

using namespace ql::report;

QString esc(const std::string& text) {
    return QString::fromStdString(text).toHtmlEscaped();
}

QString esc(const QString& text) {
    return text.toHtmlEscaped();
}

QString row2(const QString& label, const QString& valueHtml) {
    return QStringLiteral("<tr><th width=\"18%\">%1</th><td>%2</td></tr>").arg(label, valueHtml);
}

QString imageTag(const ReportChart& chart, const ChartSource& src) {
    return QStringLiteral("<p><img src=\"%1\" width=\"%2\" height=\"%3\" alt=\"%4\"></p>")
        .arg(src(chart))
        .arg(chart.size.width())
        .arg(chart.size.height())
        .arg(esc(chart.title));
}

namespace {

const char* kTable = "<table border=\"1\" cellspacing=\"0\" cellpadding=\"2\" "
                     "style=\"border-collapse: collapse\"";

QString tableOpen(bool fullWidth = true) {
    return QString::fromLatin1(kTable) +
           (fullWidth ? QStringLiteral(" width=\"100%\">") : QStringLiteral(">"));
}

QString verdictSpan(const std::string& verdict) {
    const QString v = QString::fromStdString(verdict);
    return QStringLiteral("<span class=\"%1\" style=\"color:%2\"><b>%3</b></span>")
        .arg(v,
             v == "fail"   ? "#b2182b"
             : v == "pass" ? "#1a7f37"
                           : "#9a6700",
             v.toUpper());
}

QString th(const QStringList& labels) {
    QString h = QStringLiteral("<thead><tr>");
    for (const auto& l : labels)
        h += QStringLiteral("<th bgcolor=\"#eef0f3\">%1</th>").arg(l);
    return h + QStringLiteral("</tr></thead>");
}

QString nText(int64_t n) {
    return n > 0 ? QStringLiteral("n=%1").arg(n) : QString();
}

bool anyWithoutInterval(const ScorecardSection& s, const std::string& dim) {
    for (const auto& c : s.cells)
        if (c.dimension == dim && c.vsBaseline && !c.vsBaseline->ciLow)
            return true;
    return false;
}

// A variant's cell: delta with its relative size, the CI, n; coloured by the gate.
QString deltaCell(const ScorecardSection& s, const ReportCell& c) {
    const auto& k = *c.vsBaseline;
    // Two short lines, so that eight variants fit an A4 landscape page without wrapping.
    const QString detail =
        (relativeText(k.delta, k.baseline) + " " +
         (k.ciLow ? formatInterval(*k.ciLow, *k.ciHigh) : QString()) + " " + nText(c.n))
            .simplified();
    QString text = formatDelta(k.delta);
    if (!detail.isEmpty())
        text += QStringLiteral("<br><span class=\"small\">%1</span>").arg(detail);
    const auto g = s.cellGate(c.variant, c.dimension, c.slice);
    if (g.reason) {
        const bool fail = g.reason->severity == "fail";
        text = QStringLiteral("<span style=\"color:%1\"><b>%2</b></span>")
                   .arg(fail ? "#b2182b" : "#9a6700", text);
        return QStringLiteral("<td class=\"num\" bgcolor=\"%1\">%2</td>")
            .arg(fail ? "#fbe3e6" : "#fff4d6", text);
    }
    return QStringLiteral("<td class=\"num\">%1</td>").arg(text);
}

QString sliceRow(const ScorecardSection& s, const std::string& dim, const std::string& slice) {
    QString h = QStringLiteral("<tr><td class=\"slice\">%1</td>").arg(esc(slice));
    bool any = false;
    for (const auto& v : s.variants) {
        const auto* c = s.find(v, dim, slice);
        any |= c != nullptr;
        if (!c)
            h += QStringLiteral("<td class=\"muted\">\u2013</td>");
        else if (c->vsBaseline)
            h += deltaCell(s, *c);
        else
            h += QStringLiteral("<td class=\"num\">%1%2</td>")
                     .arg(formatScore(c->score),
                          c->n > 0 ? "<br><span class=\"small\">" + nText(c->n) + "</span>"
                                   : QString());
    }
    if (!any)
        return {};
    const auto* first = s.find(s.variants.front(), dim, slice);
    if (first && first->kind == ql::score::CellKind::ReportedAggregate)
        h.replace(QStringLiteral("<tr><td class=\"slice\">%1</td>").arg(esc(slice)),
                  QStringLiteral("<tr><td class=\"slice\">%1 <span class=\"muted\">(reported, not "
                                 "gated)</span></td>")
                      .arg(esc(slice)));
    return h + QStringLiteral("</tr>");
}

QString aggregateRow(const ScorecardSection& s, const std::string& dim) {
    QString h = QStringLiteral("<tr><td class=\"slice\"><i>computed aggregate</i></td>");
    const auto base = ql::score::aggregate(s.card, s.card.baseline, dim);
    for (const auto& v : s.variants) {
        const auto a = ql::score::aggregate(s.card, v, dim);
        if (!a)
            h += QStringLiteral("<td class=\"muted\">\u2013</td>");
        else if (v == s.card.baseline || !base)
            h += QStringLiteral("<td class=\"num\"><i>%1</i></td>").arg(formatScore(a->score));
        else
            h += QStringLiteral("<td class=\"num\"><i>%1</i></td>")
                     .arg(deltaText(a->score - base->score, base->score));
    }
    return h + QStringLiteral("</tr>");
}

} // namespace

QString scorecardProvenance(const ScorecardSection& s) {
    QString h = tableOpen();
    h += row2(QStringLiteral("Source"), QStringLiteral("<code>%1</code> (xxh64 %2)")
                                            .arg(esc(s.card.sourcePath), esc(s.card.sourceHash)));
    h += row2(QStringLiteral("Evaluator"), esc(s.card.evaluator));
    h += row2(QStringLiteral("Evaluation set"), esc(s.card.evalSetVersion));
    h += row2(QStringLiteral("Baseline"),
              s.card.baseline.empty() ? QStringLiteral("none: no deltas") : esc(s.card.baseline));
    h += row2(QStringLiteral("Imported"), esc(s.card.importedAt));
    return h + QStringLiteral("</table>");
}

QString gateSection(const ScorecardSection& s) {
    if (!s.gate)
        return QStringLiteral("<p><b>Gate:</b> not gated yet (quantlens-cli gate, or the "
                              "Scorecards view).</p>");
    const auto& g = *s.gate;
    QString h = QStringLiteral("<h3>Gate reasons: policy \u201c%1\u201d (#%2, %3 comparisons, "
                               "run %4)</h3>")
                    .arg(esc(g.policyName))
                    .arg(g.policyId)
                    .arg(g.comparisons)
                    .arg(esc(g.createdAt));
    h += QStringLiteral("<p class=\"small muted\">Policy: <code>%1</code></p>")
             .arg(esc(g.policyBody));
    h += tableOpen() + th({"Variant", "Verdict", "Slice", "Dimension", "Reason"});
    for (const auto& v : g.verdicts) {
        if (v.reasons.empty())
            h += QStringLiteral("<tr><td>%1</td><td>%2</td><td></td><td></td><td>every gated "
                                "cell within its limit</td></tr>")
                     .arg(esc(v.variant), verdictSpan(v.verdict));
        for (const auto& r : v.reasons)
            h += QStringLiteral("<tr><td>%1</td><td>%2</td><td>%3</td><td>%4</td><td "
                                "class=\"small\">%5: %6</td></tr>")
                     .arg(esc(v.variant), verdictSpan(v.verdict), esc(r.slice), esc(r.dimension),
                          esc(r.severity), esc(r.message));
    }
    return h + QStringLiteral("</table>");
}

QString dimensionTable(const ScorecardSection& s, const std::string& dim, int rowsPerTable) {
    QStringList labels{QStringLiteral("Slice")};
    for (const auto& v : s.variants)
        labels << esc(v) + (v == s.card.baseline ? QStringLiteral(" (baseline)") : QString());
    QString h =
        QStringLiteral("<h3>%1: delta against the baseline, %2</h3>")
            .arg(esc(dim), s.policy ? QStringLiteral("%1 % CI").arg(s.policy->confidence * 100)
                                    : QStringLiteral("95 % CI"));
    if (anyWithoutInterval(s, dim))
        h += QStringLiteral("<p class=\"small muted\">Cells without an interval: the source gave "
                            "neither n nor a standard error, so only the delta is known and the "
                            "gate cannot judge significance (such regressions are "
                            "inconclusive, or fail on a critical slice).</p>");
    // A wide first column: slice names ("mmlu_high_school_government_and_politics") should
    // not break mid-word.
    const QString header =
        tableOpen() + th(labels).replace(QStringLiteral("<th bgcolor=\"#eef0f3\">Slice</th>"),
                                         QStringLiteral("<th bgcolor=\"#eef0f3\" "
                                                        "width=\"24%\">Slice</th>"));
    QStringList rows;
    for (const auto& slice : s.card.slices())
        if (const QString row = sliceRow(s, dim, slice); !row.isEmpty())
            rows << row;
    const auto ranges = tableRowRanges(int(rows.size()), rowsPerTable);
    for (int i = 0; i < ranges.size(); ++i) {
        const auto [first, last] = ranges[i];
        if (i > 0)
            h += QStringLiteral("<p style=\"page-break-before: always\" class=\"small muted\">"
                                "%1, continued: slices %2\u2013%3 of %4</p>")
                     .arg(esc(dim))
                     .arg(first + 1)
                     .arg(last)
                     .arg(rows.size());
        h += header + rows.mid(first, last - first).join(QString());
        if (i + 1 == ranges.size())
            h += aggregateRow(s, dim);
        h += QStringLiteral("</table>");
    }
    return h;
}

int printTableRows(int variants) {
    // Measured on A4 landscape (tests/ui/report_eval_pages_test.cpp): up to three
    // columns a row takes two or three lines, four or five take three or four, up to
    // eight take up to six, more up to eight.
    if (variants <= 3)
        return 12;
    if (variants <= 5)
        return 9;
    return variants <= 8 ? 6 : 4;
}

QList<std::pair<int, int>> tableRowRanges(int rows, int perTable) {
    if (perTable <= 0 || rows <= perTable)
        return {{0, std::max(rows, 0)}};
    QList<std::pair<int, int>> out;
    for (int first = 0; first < rows; first += perTable)
        out.append({first, std::min(first + perTable, rows)});
    return out;
}

QString fitTable(const FitSection& fit) {
    QString h =
        tableOpen() + th({"Variant", "Format", "GPU", "Weights", "KV cache", "Compute (est.)",
                          "Overhead (est.)", "Needed", "Headroom", "Fits"});
    for (const auto& row : fit.rows) {
        const auto& f = row.report;
        const bool fits = f.fits;
        h += QStringLiteral("<tr><td>%1</td><td>%2</td><td>%3</td><td class=\"num\">%4</td>"
                            "<td class=\"num\">%5</td><td class=\"num\">%6</td><td "
                            "class=\"num\">%7</td><td class=\"num\">%8</td><td "
                            "class=\"num\">%9</td><td>%10</td></tr>")
                 .arg(esc(row.variant), esc(row.format), esc(f.gpuName),
                      formatBytes(double(f.weightBytes)), formatBytes(double(f.kvBytes())),
                      formatBytes(double(f.computeBytes)),
                      formatBytes(double(f.fixedBytes + f.outputBytes)),
                      formatBytes(double(f.neededBytes())),
                      (f.headroomBytes < 0 ? QStringLiteral("\u2212") : QString()) +
                          formatBytes(double(std::llabs(f.headroomBytes))),
                      fits ? verdictSpan("pass").replace("PASS", "yes")
                           : verdictSpan("fail").replace("FAIL", "no"));
    }
    return h + QStringLiteral("</table>");
}

QString verdictSummary(const ReleaseReport& r) {
    QString h = QStringLiteral("<h2>Gate verdicts</h2>");
    bool any = false;
    QString rows = tableOpen() + th({"Scorecard", "Policy", "Variant", "Verdict", "Reasons"});
    for (const auto& s : r.scorecards) {
        if (!s.gate)
            continue;
        for (const auto& v : s.gate->verdicts) {
            any = true;
            rows += QStringLiteral("<tr><td>#%1 %2</td><td>%3</td><td>%4</td><td>%5</td>"
                                   "<td class=\"num\">%6</td></tr>")
                        .arg(s.card.id)
                        .arg(esc(s.card.name), esc(s.gate->policyName), esc(v.variant),
                             verdictSpan(v.verdict))
                        .arg(v.reasons.size());
        }
    }
    if (!any)
        return h + QStringLiteral("<p>No scorecard has been gated yet.</p>");
    return h + rows + QStringLiteral("</table>");
}

QString provenanceSection(const ReleaseReport& r, bool forPrint) {
    QString h = forPrint ? QStringLiteral("<h2 style=\"page-break-before: always\">")
                         : QStringLiteral("<h2>");
    h += QStringLiteral("Provenance</h2>");
    h += QStringLiteral("<h3>Models</h3>");
    if (r.models.empty())
        h += QStringLiteral("<p>No model file was opened in this workspace: the scorecards "
                            "were imported (their sources and hashes are listed with each "
                            "scorecard).</p>");
    else {
        h += tableOpen() +
             th({"Model file", "xxh64", "Format", "Architecture", "Parameters", "Added"});
        for (const auto& m : r.models)
            h += QStringLiteral("<tr><td><code>%1</code></td><td>%2</td><td>%3</td><td>%4</td>"
                                "<td class=\"num\">%5</td><td>%6</td></tr>")
                     .arg(esc(m.path), esc(m.contentHash), esc(m.format), esc(m.architecture))
                     .arg(m.parameterCount)
                     .arg(esc(m.addedAt));
        h += QStringLiteral("</table>");
    }
    if (!r.variants.empty()) {
        h += QStringLiteral("<h3>Quantized variants</h3>") + tableOpen() +
             th({"#", "Model", "Format", "Method", "Parameters", "Calibration", "Tool", "Backend",
                 "Created"});
        for (const auto& v : r.variants) {
            const auto params = nlohmann::json::parse(v.parameters, nullptr, false);
            const std::string calib = params.is_object() && params.contains("calibration")
                                          ? params["calibration"].dump()
                                          : std::string("none (") + v.method + " needs none)";
            h += QStringLiteral("<tr><td>%1</td><td>#%2</td><td>%3</td><td>%4</td><td "
                                "class=\"small\"><code>%5</code></td><td>%6</td><td>%7</td>"
                                "<td>%8</td><td>%9</td></tr>")
                     .arg(v.id)
                     .arg(v.modelId)
                     .arg(esc(v.format), esc(v.method), esc(v.parameters), esc(calib),
                          esc(v.toolVersion), esc(v.backend), esc(v.createdAt));
        }
        h += QStringLiteral("</table>");
    }
    h += QStringLiteral("<h3>Scorecards</h3>") + tableOpen() +
         th({"#", "Name", "Source", "xxh64", "Evaluator", "Evaluation set", "Baseline"});
    for (const auto& s : r.scorecards)
        h += QStringLiteral("<tr><td>%1</td><td>%2</td><td class=\"small\">%3</td><td>%4</td>"
                            "<td class=\"small\">%5</td><td class=\"small\">%6</td><td>%7</td>"
                            "</tr>")
                 .arg(s.card.id)
                 .arg(esc(s.card.name), esc(s.card.sourcePath), esc(s.card.sourceHash),
                      esc(s.card.evaluator), esc(s.card.evalSetVersion), esc(s.card.baseline));
    return h + QStringLiteral("</table>");
}

QString historySection(const ReleaseReport& r) {
    QString h = QStringLiteral("<h2>Decision history</h2>");
    if (r.decisions.empty())
        return h + QStringLiteral("<p>None yet.</p>");
    h += tableOpen() + th({"#", "When", "Who", "Subject", "Default", "Rationale", "Status"});
    for (auto it = r.decisions.rbegin(); it != r.decisions.rend(); ++it) {
        const auto& d = *it;
        h += QStringLiteral("<tr><td>%1</td><td>%2</td><td>%3</td><td>%4</td><td>%5</td>"
                            "<td>%6</td><td>%7</td></tr>")
                 .arg(d.id)
                 .arg(esc(d.createdAt), esc(d.author), esc(d.subject), esc(d.defaultVariant),
                      esc(d.rationale),
                      d.supersededBy ? QStringLiteral("superseded by #%1").arg(*d.supersededBy)
                                     : QStringLiteral("<b>current</b>"));
    }
    return h + QStringLiteral("</table><p class=\"small muted\">Decisions are append-only: the "
                              "workspace refuses to change or delete one.</p>");
}

QString methodsSection(const ReleaseReport& r) {
    std::set<std::string> methods;
    int comparisons = 0;
    for (const auto& s : r.scorecards) {
        comparisons += s.comparisons;
        for (const auto& c : s.cells)
            if (c.vsBaseline)
                methods.insert(ql::score::statMethodLabel(c.vsBaseline->method));
    }
    QStringList m;
    for (const auto& name : methods)
        m << esc(name);
    return QStringLiteral("<h2>Methods</h2><p>Delta = variant \u2212 baseline per dimension and "
                          "slice; %1 comparisons in all. Intervals and p-values by: %2. "
                          "Unpaired methods ignore that both variants saw the same examples: "
                          "their intervals are wider than a paired analysis, never narrower. "
                          "Gates judge every slice on its own, never the aggregate alone "
                          "(docs/gates.md).</p>")
        .arg(comparisons)
        .arg(m.isEmpty() ? QStringLiteral("none") : m.join("; "));
}
