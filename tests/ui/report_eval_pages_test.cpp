// The release report of a scorecard with many slices, as the PDF prints it: every slice
// row whole on one page with the table's header above it, the heatmap no taller than a
// page, and the heatmap's size leaving room for long slice labels. Checked on the PDF's
// own text (pdftotext, poppler-utils) and against the heatmap layout the painter uses.
#include "engine/report/release_report.h"
#include "engine/store/score_store.h"
#include "tests/common/temp_dir.h"
#include "ui/heatmap_math.h"
#include "ui/report_charts.h"
#include "ui/report_export.h"
#include "ui/report_html_parts.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

namespace {

constexpr int kSlices = 60;
const QStringList kAllVariants{"bf16",          "q8_0",           "Qwen3-8B-Q4_K_M-AutoRound",
                               "q4_k_m",        "q4_0",           "fp8",
                               "awq-int4-g128", "gptq-int4-g128", "nf4-dq",
                               "q3_k_s"};

// Slices "slice-01".. with n = 500 per cell: every row prints "n=500" once per variant.
ql::score::Scorecard manySlices(const QStringList& kVariants) {
    ql::score::Scorecard card;
    card.name = "many slices";
    card.sourcePath = "many.csv";
    card.sourceHash = "0";
    card.evalSetVersion = "file:0";
    card.evaluator = "test";
    card.baseline = "bf16";
    for (const QString& v : kVariants)
        for (int i = 1; i <= kSlices; ++i) {
            ql::score::ScoreCell c;
            c.variant = v.toStdString();
            c.dimension = "acc";
            c.slice = QStringLiteral("slice-%1").arg(i, 2, 10, QChar('0')).toStdString();
            c.score = 0.5 + 0.001 * i + (v == "bf16" ? 0.0 : -0.01 * (i % 5));
            c.n = 500;
            card.cells.push_back(c);
        }
    return card;
}

QString pageText(const QString& pdf, int page) {
    QProcess p;
    p.start("pdftotext",
            {"-f", QString::number(page), "-l", QString::number(page), "-layout", pdf, "-"});
    p.waitForFinished(60000);
    return QString::fromUtf8(p.readAllStandardOutput());
}

int pageCount(const QString& pdf) {
    QProcess p;
    p.start("pdfinfo", {pdf});
    p.waitForFinished(60000);
    const auto m = QRegularExpression("Pages:\\s+(\\d+)").match(p.readAllStandardOutput());
    return m.hasMatch() ? m.captured(1).toInt() : 0;
}

} // namespace

class ReportEvalPagesTest : public QObject {
    Q_OBJECT
private slots:
    void rowRangesCoverEveryRowOnce() {
        QCOMPARE(tableRowRanges(0, 14), (QList<std::pair<int, int>>{{0, 0}}));
        QCOMPARE(tableRowRanges(14, 14), (QList<std::pair<int, int>>{{0, 14}}));
        QCOMPARE(tableRowRanges(30, 14), (QList<std::pair<int, int>>{{0, 14}, {14, 28}, {28, 30}}));
        QCOMPARE(tableRowRanges(30, 0), (QList<std::pair<int, int>>{{0, 30}}));
    }

    // The size leaves the layout room for the widest slice label and upright variant
    // names, whole, up to the chart's maximum width; the print height cap holds.
    void heatmapSizeFitsItsLabels() {
        for (const double slice : {40.0, 150.0, 260.0, 380.0})
            for (const double variant : {30.0, 120.0, 200.0})
                for (const int rows : {2, 11, 60})
                    for (const int columns : {1, 3, 8}) {
                        const HeatmapLabelWidths w{slice, variant, 15};
                        const QSize size = heatmapSizeFor(rows, columns, w, 0);
                        HeatmapLayoutInput in;
                        in.area = QRectF(QPointF(0, 0), QSizeF(size));
                        in.rows = rows;
                        in.columns = columns;
                        in.rowLabelWidth = slice;
                        in.columnLabelWidth = variant;
                        in.lineHeight = w.lineHeight;
                        const HeatmapLayout l = layoutHeatmap(in);
                        const QString at = QStringLiteral("slice %1 variant %2 rows %3 cols %4")
                                               .arg(slice)
                                               .arg(variant)
                                               .arg(rows)
                                               .arg(columns);
                        QVERIFY2(size.width() <= kMaxReportChartWidth, qPrintable(at));
                        // The painter elides a row label to rowLabels.width().
                        QVERIFY2(l.rowLabels.width() >= slice, qPrintable(at));
                        if (l.rotateColumnLabels)
                            QVERIFY2(l.columnLabels.height() >= variant, qPrintable(at));
                        QVERIFY2(l.cellHeight >= 14, qPrintable(at)); // a label per row
                        QVERIFY(heatmapSizeFor(rows, columns, w, 620).height() <= 620);
                    }
    }

    // A heatmap taller than a printed page is cut by slices into page-sized parts in which
    // every slice keeps a full labelled row, with the whole map's colour scale; one that
    // fits stays whole.
    void tallHeatmapsPrintInPartsWithEverySliceLabelled() {
        ql::test::TempDir dir;
        const auto ws = dir / "ws.sqlite";
        {
            ql::Workspace workspace(ws);
            ql::addScorecard(workspace, manySlices(kAllVariants.mid(0, 4)));
        }
        const auto report = ql::report::gatherReleaseReport(ql::Workspace(ws));
        QCOMPARE(report.scorecards.size(), size_t(1));
        const QList<HeatmapData> maps = reportHeatmaps(report.scorecards[0]);
        QCOMPARE(maps.size(), 1);
        const HeatmapData& whole = maps[0];
        QCOMPARE(whole.slices.size(), kSlices);
        const QList<HeatmapData> parts = heatmapPagesFor(whole, kPrintChartMaxHeight);
        QVERIFY(!heatmapLabelsEveryRow(whole, kPrintChartMaxHeight)); // why it is cut
        QVERIFY(heatmapLabelsEveryRow(whole, 0));
        QVERIFY(parts.size() > 1);
        QStringList slices;
        QList<double> deltas;
        for (int i = 0; i < parts.size(); ++i) {
            const HeatmapData& part = parts[i];
            slices += part.slices;
            for (const HeatmapCell& c : part.cells)
                deltas.append(c.delta);
            QCOMPARE(part.variants, whole.variants);
            QCOMPARE(part.cells.size(), part.slices.size() * part.variants.size());
            QCOMPARE(part.largestDelta(), whole.largestDelta());
            QCOMPARE(part.scaleLimit(), whole.scaleLimit());
            QVERIFY2(part.title.startsWith(whole.title + QStringLiteral(" (slices ")),
                     qPrintable(part.title));
            QVERIFY2(part.title.endsWith(QStringLiteral(" of %1)").arg(kSlices)),
                     qPrintable(part.title));
            QVERIFY(heatmapSize(part, kPrintChartMaxHeight).height() <= kPrintChartMaxHeight);
            QVERIFY(heatmapLabelsEveryRow(part, kPrintChartMaxHeight));
            // The same check by hand: the layout's rows are at least a line tall.
            const HeatmapLabelWidths w = heatmapLabelWidths(part);
            HeatmapLayoutInput in;
            in.area = QRectF(QPointF(0, 0), QSizeF(heatmapSize(part, kPrintChartMaxHeight)));
            in.rows = int(part.slices.size());
            in.columns = int(part.variants.size());
            in.rowLabelWidth = w.slice;
            in.columnLabelWidth = w.variant;
            in.lineHeight = w.lineHeight;
            QVERIFY(layoutHeatmap(in).cellHeight >= w.lineHeight);
        }
        QCOMPARE(slices, whole.slices);
        QList<double> wholeDeltas;
        for (const HeatmapCell& c : whole.cells)
            wholeDeltas.append(c.delta);
        QCOMPARE(deltas, wholeDeltas);
        QCOMPARE(parts[0].title, whole.title + QStringLiteral(" (slices 1\u2013%1 of %2)")
                                                   .arg(parts[0].slices.size())
                                                   .arg(kSlices));

        HeatmapData small = whole;
        small.slices = whole.slices.mid(0, 5);
        small.cells = whole.cells.mid(0, 5 * whole.variants.size());
        const QList<HeatmapData> one = heatmapPagesFor(small, kPrintChartMaxHeight);
        QCOMPARE(one.size(), 1);
        QCOMPARE(one[0].title, small.title);
        QVERIFY(!one[0].sharedScale.has_value());
    }

    void longTablesSplitIntoWholeRowsUnderTheirHeader_data() {
        QTest::addColumn<int>("variants");
        for (const int n : {2, 3, 4, 5, 6, 8, 10})
            QTest::newRow(qPrintable(QStringLiteral("%1 variants").arg(n))) << n;
    }

    void longTablesSplitIntoWholeRowsUnderTheirHeader() {
        QFETCH(int, variants);
        const QStringList kVariants = kAllVariants.mid(0, variants);
        ql::test::TempDir dir;
        const auto ws = dir / "ws.sqlite";
        {
            ql::Workspace workspace(ws);
            ql::addScorecard(workspace, manySlices(kVariants));
        }
        const QString pdf = QString::fromStdString((dir / "report.pdf").string());
        const auto report = ql::report::gatherReleaseReport(ql::Workspace(ws));
        QCOMPARE(writeReleaseReport(report, pdf), QString());
        const int pages = pageCount(pdf);
        if (pages == 0)
            QSKIP("pdfinfo/pdftotext (poppler-utils) not installed: the PDF was NOT checked");
        const QRegularExpression sliceLabel("slice-(\\d\\d)");
        QSet<int> seen;
        int tablePages = 0;
        for (int page = 1; page <= pages; ++page) {
            const QString text = pageText(pdf, page);
            if (!text.contains("n=500"))
                continue;
            ++tablePages;
            QVERIFY2(text.contains("Slice"), qPrintable(QStringLiteral("page %1").arg(page)));
            int labels = 0;
            for (auto it = sliceLabel.globalMatch(text); it.hasNext(); it.next())
                ++labels;
            for (auto it = sliceLabel.globalMatch(text); it.hasNext();)
                seen.insert(it.next().captured(1).toInt());
            // A row cut by the page would leave its "n=500" lines without their label.
            QCOMPARE(int(text.count("n=500")), labels * int(kVariants.size()));
        }
        QCOMPARE(seen.size(), kSlices);
        const int perTable = printTableRows(variants);
        QCOMPARE(tablePages, (kSlices + perTable - 1) / perTable);
    }
};

QTEST_MAIN(ReportEvalPagesTest)
#include "report_eval_pages_test.moc"
