#include "ui/report_export.h"

#include "ui/report_html.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QPageLayout>
#include <QPdfWriter>
#include <QTextDocument>
#include <QUrl>

namespace {

QString writeFile(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return QStringLiteral("%1: cannot write: %2").arg(path, f.errorString());
    if (f.write(bytes) != bytes.size() || !f.flush())
        return QStringLiteral("%1: write failed: %2").arg(path, f.errorString());
    return {};
}

// The PDF's charts are rasterised at this many device pixels per logical pixel (96 dpi):
// 2.5 x 96 = 240 dpi, sharp in print, small enough to keep the file light.
constexpr double kPdfChartScale = 2.5;

} // namespace

QString writeReportHtml(const ql::report::ReleaseReport& report, const QString& path) {
    const auto svgUri = [](const ReportChart& c) {
        return QStringLiteral("data:image/svg+xml;base64,") +
               QString::fromLatin1(chartSvg(c.paint, c.size, c.title).toBase64());
    };
    return writeFile(path, releaseReportHtml(report, svgUri, false).toUtf8());
}

QString writeReportPdf(const ql::report::ReleaseReport& report, const QString& path) {
    QTextDocument doc;
    QFont font(QStringLiteral("DejaVu Sans"));
    font.setPointSizeF(8.5);
    doc.setDefaultFont(font);
    doc.setDefaultStyleSheet(QStringLiteral(
        "h1 { font-size: 16pt; } h2 { font-size: 12pt; margin-top: 14px; } "
        "h3 { font-size: 10pt; margin-top: 10px; } th { background-color: #eef0f3; } "
        "td { font-size: 7.5pt; } th { font-size: 7.5pt; } "
        ".muted { color: #666666; } .small { font-size: 7pt; } code { font-size: 7.5pt; }"));
    const auto resource = [&doc](const ReportChart& c) {
        const QString url = QStringLiteral("ql-chart:%1").arg(c.id);
        doc.addResource(QTextDocument::ImageResource, QUrl(url),
                        chartImage(c.paint, c.size, kPdfChartScale));
        return url;
    };
    doc.setHtml(releaseReportHtml(report, resource, true));
    // Paginated on the page's own printable area at 96 px per inch (print() would otherwise
    // add 2 cm margins of its own), the page that kPrintChartMaxHeight and kPrintTableRows
    // are sized for: a chart shorter than a page moves to the next page instead of being
    // cut, and a table's pieces each fit one.
    const QPageLayout page(QPageSize(QPageSize::A4), QPageLayout::Landscape,
                           QMarginsF(12, 12, 12, 12), QPageLayout::Millimeter);
    doc.setPageSize(page.paintRect(QPageLayout::Inch).size() * 96.0);

    if (!QFileInfo(path).absoluteDir().exists())
        return QStringLiteral("%1: no such folder").arg(QFileInfo(path).absolutePath());
    QPdfWriter writer(path);
    writer.setTitle(QStringLiteral("Release decision: ") + reportSubject(report));
    writer.setCreator(QString::fromStdString(report.toolVersion));
    writer.setPageLayout(page);
    writer.setResolution(300);
    doc.print(&writer);
    if (!QFileInfo(path).exists() || QFileInfo(path).size() == 0)
        return QStringLiteral("%1: the PDF could not be written").arg(path);
    return {};
}

QString writeReleaseReport(const ql::report::ReleaseReport& report, const QString& path) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("pdf"))
        return writeReportPdf(report, path);
    if (suffix == QLatin1String("html") || suffix == QLatin1String("htm"))
        return writeReportHtml(report, path);
    return QStringLiteral("%1: unknown report format '.%2' (use .pdf or .html)").arg(path, suffix);
}
