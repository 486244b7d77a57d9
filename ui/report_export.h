#pragma once
// Writes a release-decision report as a self-contained HTML file (charts as inline SVG
// data URIs) or as a multi-page PDF (A4 landscape, QTextDocument: table header rows
// repeat on each page and rows move whole to the next page). Needs a QGuiApplication;
// the CLI makes one on the "offscreen" platform when there is no display.
#include "engine/report/release_report.h"

#include <QString>

// By the suffix of `path`: .html/.htm or .pdf. Returns an empty string, or why it failed
// (naming the file).
QString writeReleaseReport(const ql::report::ReleaseReport& report, const QString& path);
QString writeReportHtml(const ql::report::ReleaseReport& report, const QString& path);
QString writeReportPdf(const ql::report::ReleaseReport& report, const QString& path);
