#pragma once
// Pieces of the report's HTML, shared by report_html.cpp and report_html_tables.cpp.
#include "ui/report_html.h"

QString esc(const std::string& text);
QString esc(const QString& text);
QString row2(const QString& label, const QString& valueHtml);
QString imageTag(const ReportChart& chart, const ChartSource& src);

QString scorecardProvenance(const ql::report::ScorecardSection& s);
QString gateSection(const ql::report::ScorecardSection& s);
QString dimensionTable(const ql::report::ScorecardSection& s, const std::string& dimension);
QString fitTable(const ql::report::FitSection& fit);
QString verdictSummary(const ql::report::ReleaseReport& r);
QString provenanceSection(const ql::report::ReleaseReport& r, bool forPrint);
QString historySection(const ql::report::ReleaseReport& r);
QString methodsSection(const ql::report::ReleaseReport& r);
