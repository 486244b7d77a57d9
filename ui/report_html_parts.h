#pragma once
// Pieces of the report's HTML, shared by report_html.cpp and report_html_tables.cpp.
#include "ui/report_html.h"

#include <QList>
#include <utility>

QString esc(const std::string& text);
QString esc(const QString& text);
QString row2(const QString& label, const QString& valueHtml);
QString imageTag(const ReportChart& chart, const ChartSource& src);

QString scorecardProvenance(const ql::report::ScorecardSection& s);
QString gateSection(const ql::report::ScorecardSection& s);
// rowsPerTable > 0: tables of at most that many slice rows, the later ones each starting a
// page with the header repeated (the PDF); 0: one table (the browser scrolls).
QString dimensionTable(const ql::report::ScorecardSection& s, const std::string& dimension,
                       int rowsPerTable = 0);
// [first, last) row ranges of at most `perTable` rows covering `rows`; one range when
// perTable <= 0. An empty table is still one (empty) range.
QList<std::pair<int, int>> tableRowRanges(int rows, int perTable);

// An A4 landscape page at 96 px per inch is 703 px high inside its 12 mm margins
// (report_export.cpp lays the PDF out so); these leave room for a heading and for rows
// whose slice name and deltas wrap to three lines.
constexpr int kPrintChartMaxHeight = 620;
// Slice rows per printed table for `variants` columns (baseline included): the more
// columns, the narrower each and the more lines a delta with its interval wraps to.
int printTableRows(int variants);
QString fitTable(const ql::report::FitSection& fit);
QString verdictSummary(const ql::report::ReleaseReport& r);
QString provenanceSection(const ql::report::ReleaseReport& r, bool forPrint);
QString historySection(const ql::report::ReleaseReport& r);
QString methodsSection(const ql::report::ReleaseReport& r);
