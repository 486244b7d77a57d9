// The report's document structure: title, decision, verdicts, scorecards, fit,
// provenance, history and methods. Tables are in report_html_tables.cpp.
#include "ui/report_html.h"

#include "ui/heatmap_math.h"
#include "ui/report_html_parts.h"

#include <QStringList>
#include <cmath>

using namespace ql::report;

QString reportSubject(const ReleaseReport& r) {
    if (const auto* d = r.currentDecision())
        return esc(d->subject);
    return r.scorecards.empty() ? QStringLiteral("(no scorecards)")
                                : esc(r.scorecards[0].card.name);
}

namespace {

const char* kStyle = R"(<style>
body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 10pt; color: #202020;
       max-width: 1100px; margin: 24px auto; }
h1 { font-size: 18pt; margin-bottom: 2px; }
h2 { font-size: 13pt; border-bottom: 1px solid #bbb; margin-top: 22px; }
h3 { font-size: 11pt; margin-top: 14px; }
table { border-collapse: collapse; margin: 6px 0 10px 0; }
th, td { border: 1px solid #c8c8c8; padding: 3px 6px; vertical-align: top; }
th { background: #eef0f3; text-align: left; }
td.num { text-align: right; white-space: nowrap; }
.muted { color: #666; }
.fail { color: #b2182b; font-weight: bold; }
.inconclusive { color: #9a6700; font-weight: bold; }
.pass { color: #1a7f37; font-weight: bold; }
.box { border: 1px solid #999; background: #f7f7f7; padding: 8px 12px; }
.small { font-size: 8pt; }
</style>)";

QString header(const ReleaseReport& r) {
    QString h = QStringLiteral("<h1>Release decision: %1</h1>").arg(reportSubject(r));
    h += QStringLiteral("<p class=\"muted\">Generated %1 by %2 from workspace <code>%3</code>.</p>")
             .arg(esc(r.generatedAt), esc(r.toolVersion), esc(r.workspacePath));
    return h;
}

QString flaggedText(const ql::score::Decision& d) {
    QStringList parts;
    for (const auto& f : d.flagged) {
        QStringList surfaces;
        for (const auto& s : f.surfaces)
            surfaces << esc(s);
        parts << QStringLiteral("<b>%1</b> (%2)").arg(esc(f.variant), surfaces.join(", "));
    }
    return parts.isEmpty() ? QStringLiteral("none") : parts.join("; ");
}

QString idList(const std::vector<int64_t>& ids) {
    QStringList out;
    for (const int64_t id : ids)
        out << QStringLiteral("#%1").arg(id);
    return out.join(", ");
}

// How the last gate run judged each variant the decision names, on the scorecards it
// rests on: a flagged variant that failed is visible next to the rationale.
QString namedVerdicts(const ReleaseReport& r, const ql::score::Decision& d) {
    std::vector<std::string> names{d.defaultVariant};
    for (const auto& f : d.flagged)
        names.push_back(f.variant);
    QStringList out;
    for (const int64_t id : d.scorecardIds) {
        const auto* s = r.scorecard(id);
        if (!s || !s->gate)
            continue;
        for (const auto& name : names)
            for (const auto& v : s->gate->verdicts)
                if (v.variant == name)
                    out << QStringLiteral("%1: <b>%2</b>%3")
                               .arg(esc(name), esc(QString::fromStdString(v.verdict).toUpper()))
                               .arg(v.reasons.empty()
                                        ? QString()
                                        : QStringLiteral(" (%1 reasons)").arg(v.reasons.size()));
    }
    return out.isEmpty() ? QStringLiteral("not gated") : out.join(QStringLiteral("; "));
}

QString decisionSection(const ReleaseReport& r) {
    QString h = QStringLiteral("<h2>Decision</h2>");
    const auto* d = r.currentDecision();
    if (!d)
        return h + QStringLiteral("<p>No decision has been recorded in this workspace yet "
                                  "(quantlens-cli decide, or the Decision view).</p>");
    h += QStringLiteral("<table class=\"box\" width=\"100%\" cellpadding=\"4\">");
    h += row2(QStringLiteral("Ships by default"),
              QStringLiteral("<b>%1</b>").arg(esc(d->defaultVariant)));
    h += row2(QStringLiteral("Behind a flag"), flaggedText(*d));
    h += row2(QStringLiteral("Gate verdicts"), namedVerdicts(r, *d));
    h += row2(QStringLiteral("Rationale"), esc(d->rationale));
    h += row2(QStringLiteral("Decided by"),
              esc(d->author) + QStringLiteral(", ") + esc(d->createdAt));
    h += row2(QStringLiteral("Rests on"),
              QStringLiteral("scorecards %1; gate policy %2")
                  .arg(idList(d->scorecardIds), d->gatePolicyId
                                                    ? QStringLiteral("#%1").arg(*d->gatePolicyId)
                                                    : QStringLiteral("none recorded")));
    if (d->supersedes)
        h += row2(QStringLiteral("Supersedes"), QStringLiteral("decision #%1").arg(*d->supersedes));
    return h + QStringLiteral("</table>");
}

QString pageBreakH(int level, bool forPrint) {
    return forPrint ? QStringLiteral("<h%1 style=\"page-break-before: always\">").arg(level)
                    : QStringLiteral("<h%1>").arg(level);
}

// Provenance and the heatmaps first, then each dimension's table from a page of its own,
// then the gate's reasons. In print a heatmap is never taller than a page (a taller image
// would be cut across two), and a long table is split into page-sized tables, each with
// its header, since Qt's rich text would break a row across pages.
QString scorecardSection(const ScorecardSection& s, const ChartSource& src, bool forPrint) {
    QString h = pageBreakH(2, forPrint);
    h += QStringLiteral("Scorecard #%1: %2</h2>").arg(s.card.id).arg(esc(s.card.name));
    h += scorecardProvenance(s);
    for (const auto& whole : reportHeatmaps(s)) {
        const QList<HeatmapData> parts =
            forPrint ? heatmapPagesFor(whole, kPrintChartMaxHeight) : QList<HeatmapData>{whole};
        for (int i = 0; i < parts.size(); ++i) {
            const HeatmapData& map = parts[i];
            const QString id = QStringLiteral("heatmap-%1-%2").arg(s.card.id).arg(map.dimension) +
                               (parts.size() > 1 ? QStringLiteral("-%1").arg(i + 1) : QString());
            h += imageTag({id, map.title, heatmapSize(map, forPrint ? kPrintChartMaxHeight : 0),
                           paintHeatmap(map)},
                          src);
        }
    }
    for (const auto& dim : s.card.dimensions())
        h += pageBreakH(3, forPrint) +
             dimensionTable(s, dim, forPrint ? printTableRows(int(s.variants.size())) : 0);
    return h + gateSection(s);
}

QString fitSection(const ReleaseReport& r, const ChartSource& src, bool forPrint) {
    if (r.fit.rows.empty() && r.fit.notes.empty())
        return {};
    QString h = pageBreakH(2, forPrint);
    h += QStringLiteral("VRAM fit</h2><p>Sized from <code>%1</code> at %2 tokens \u00d7 %3 "
                        "sequence(s) with the %4 runtime profile (compute buffer and runtime "
                        "overhead are estimates: docs/fit-model.md).</p>")
             .arg(esc(r.fit.modelSource))
             .arg(r.fit.context)
             .arg(r.fit.batch)
             .arg(esc(r.fit.runtime));
    if (!r.fit.rows.empty()) {
        const auto data = reportFitChart(r.fit);
        h += imageTag({QStringLiteral("fit"), data.title, fitChartSize(data), paintFitChart(data)},
                      src);
        h += fitTable(r.fit);
    }
    for (const auto& n : r.fit.notes)
        h += QStringLiteral("<p class=\"muted\">%1</p>").arg(esc(n));
    return h;
}

} // namespace

QString releaseReportHtml(const ReleaseReport& r, const ChartSource& imageSrc, bool forPrint) {
    QString h = QStringLiteral("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                               "<title>Release decision: %1</title>")
                    .arg(reportSubject(r));
    if (!forPrint)
        h += QString::fromLatin1(kStyle);
    h += QStringLiteral("</head><body>");
    h += header(r);
    h += decisionSection(r);
    h += verdictSummary(r);
    for (const auto& s : r.scorecards)
        h += scorecardSection(s, imageSrc, forPrint);
    h += fitSection(r, imageSrc, forPrint);
    h += provenanceSection(r, forPrint);
    h += historySection(r);
    h += methodsSection(r);
    return h + QStringLiteral("</body></html>\n");
}
