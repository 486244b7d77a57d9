#pragma once
// The release-decision report as HTML: one builder for both outputs. The browser file
// embeds its charts as SVG data URIs; the PDF feeds the same HTML to QTextDocument with
// the charts as image resources. `imageSrc` decides what a chart's <img src> is.
#include "engine/report/release_report.h"
#include "ui/report_charts.h"
#include "ui/report_format.h"

#include <QList>
#include <QSize>
#include <QString>
#include <functional>

struct ReportChart {
    QString id;    // unique within the report: "heatmap-3-acc", "fit"
    QString title; // alt text
    QSize size;    // logical pixels
    ChartPaint paint;
};

using ChartSource = std::function<QString(const ReportChart&)>;

// `forPrint`: the QTextDocument flavour (page breaks before each scorecard, no CSS that
// Qt's rich text does not understand).
QString releaseReportHtml(const ql::report::ReleaseReport& report, const ChartSource& imageSrc,
                          bool forPrint);

// The subject of the report: the current decision's, else the first scorecard's name.
QString reportSubject(const ql::report::ReleaseReport& report);
