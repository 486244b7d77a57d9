// Heatmap drawing math, worked by hand: scale positions, ColorBrewer RdBu stops and their
// interpolation, text contrast, delta formatting, and the grid layout's hit test.
#include "ui/heatmap_math.h"
#include "ui/heatmap_painter.h"

#include <QImage>
#include <QPainter>
#include <QTest>

class HeatmapMathTest : public QObject {
    Q_OBJECT
private slots:
    void scalePositionPutsTheLimitHalfway() {
        QCOMPARE(heatmapScalePosition(-0.02, 0.02, 1.0), -0.5);
        QCOMPARE(heatmapScalePosition(0.01, 0.02, 1.0), 0.25);
        QCOMPARE(heatmapScalePosition(-0.05, 0.02, 1.0), -1.0); // clamped
        QCOMPARE(heatmapScalePosition(0.0, 0.02, 1.0), 0.0);
        // No limit: the fallback scale is the full half.
        QCOMPARE(heatmapScalePosition(-0.05, 0.0, 0.1), -0.5);
        QCOMPARE(heatmapScalePosition(-0.05, 0.0, 0.0), 0.0);
    }

    void divergingColorHitsTheRdBuStops() {
        QCOMPARE(divergingColor(0.0), QColor(0xf7, 0xf7, 0xf7));
        QCOMPARE(divergingColor(-1.0), QColor(0x67, 0x00, 0x1f));
        QCOMPARE(divergingColor(1.0), QColor(0x05, 0x30, 0x61));
        QCOMPARE(divergingColor(-0.2), QColor(0xfd, 0xdb, 0xc7));
        QCOMPARE(divergingColor(-7.0), divergingColor(-1.0));
        // Halfway between the two darkest reds: (0x67+0xb2)/2 = 140.5 -> 141, 12, 37.
        QCOMPARE(divergingColor(-0.9), QColor(141, 12, 37));
        // Regressions are red (r > b), improvements blue.
        QVERIFY(divergingColor(-0.5).red() > divergingColor(-0.5).blue());
        QVERIFY(divergingColor(0.5).blue() > divergingColor(0.5).red());
    }

    void fadedAndTextColours() {
        QCOMPARE(fadedColor(QColor(0, 0, 0), QColor(255, 255, 255), 0.3), QColor(179, 179, 179));
        QCOMPARE(textColorOn(QColor(Qt::white)), QColor(Qt::black));
        QCOMPARE(textColorOn(divergingColor(-1.0)), QColor(Qt::white));
        QCOMPARE(textColorOn(divergingColor(1.0)), QColor(Qt::white));
        QCOMPARE(textColorOn(divergingColor(-0.2)), QColor(Qt::black));
    }

    void deltasCarryASign() {
        QCOMPARE(formatDelta(0.0123), QString("+0.0123"));
        QCOMPARE(formatDelta(-0.045), QString("\u22120.045"));
        QCOMPARE(formatDelta(0.0), QString("0"));
        QCOMPARE(formatDelta(-1.23456), QString("\u22121.23"));
        QCOMPARE(formatDelta(0.00001), QString("+0.000010"));
        QCOMPARE(formatScore(0.5563), QString("0.5563"));
        QCOMPARE(formatInterval(-0.031, 0.004), QString("[\u22120.031, +0.004]"));
        QCOMPARE(elideMiddle("abcdefghij", 5), QString("ab\u2026ij"));
        QCOMPARE(elideMiddle("abc", 5), QString("abc"));
    }

    void layoutHitTestRoundTrips() {
        HeatmapLayoutInput in;
        in.area = QRectF(0, 0, 800, 600);
        in.rows = 11;
        in.columns = 7;
        in.rowLabelWidth = 120;
        in.columnLabelWidth = 60;
        const HeatmapLayout l = layoutHeatmap(in);
        QVERIFY(in.area.contains(l.grid));
        QVERIFY(l.rowLabels.right() <= l.grid.left());
        QVERIFY(l.columnLabels.bottom() <= l.grid.top() + 1e-9);
        QVERIFY(l.grid.bottom() <= l.legend.top());
        QVERIFY(!l.rotateColumnLabels);
        for (int r = 0; r < in.rows; ++r)
            for (int c = 0; c < in.columns; ++c) {
                const auto hit = l.cellAt(l.cellRect(r, c).center());
                QVERIFY(hit);
                QCOMPARE(hit->first, r);
                QCOMPARE(hit->second, c);
            }
        QVERIFY(!l.cellAt(QPointF(l.grid.right() + 1, l.grid.top() + 1)));
        QVERIFY(!l.cellAt(l.rowLabels.center()));
    }

    void longColumnLabelsStandUp() {
        HeatmapLayoutInput in;
        in.area = QRectF(0, 0, 500, 500);
        in.rows = 200;
        in.columns = 20;
        in.rowLabelWidth = 80;
        in.columnLabelWidth = 110;
        const HeatmapLayout l = layoutHeatmap(in);
        QVERIFY(l.rotateColumnLabels);
        QVERIFY(!l.cellText); // 2-px rows cannot hold a number
        QVERIFY(l.grid.bottom() <= l.legend.top());
    }

    // The painter fills a failing cell's outline dark and a not-significant one faded.
    void painterOutlinesAndFades() {
        HeatmapData d;
        d.dimension = "acc";
        d.slices = {"arc", "boolq"};
        d.variants = {"int4"};
        HeatmapCell fail;
        fail.present = true;
        fail.delta = -0.05;
        fail.limit = 0.02;
        fail.significance = CellSignificance::Significant;
        fail.verdict = CellVerdict::Fail;
        HeatmapCell faint = fail;
        faint.significance = CellSignificance::NotSignificant;
        faint.verdict = CellVerdict::Pass;
        d.cells = {fail, faint};
        HeatmapPainter painter(d);
        QCOMPARE(painter.cellColor(fail), divergingColor(-1.0));
        QCOMPARE(painter.cellColor(faint), fadedColor(divergingColor(-1.0), QColor(Qt::white)));
        QImage image(400, 300, QImage::Format_ARGB32);
        QPainter p(&image);
        painter.paint(p, QRectF(0, 0, 400, 300));
        p.end();
        const auto hit = painter.cellAt(QRectF(0, 0, 400, 300), QPointF(0, 0));
        QVERIFY(!hit);
        QVERIFY(painter.tooltip(0, 0).contains("\u22120.05"));
        QVERIFY(painter.tooltip(1, 0).contains("gate limit: 0.02"));
    }
};

QTEST_MAIN(HeatmapMathTest)
#include "heatmap_math_test.moc"
