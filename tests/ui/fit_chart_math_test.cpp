// VRAM-fit chart math, worked by hand: binary units, tick choice in the display unit,
// value -> pixel, and a layout whose GPU labels never cover a bar.
#include "ui/fit_chart_math.h"
#include "ui/fit_chart_painter.h"

#include <QImage>
#include <QPainter>
#include <QTest>

namespace {
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
}

class FitChartMathTest : public QObject {
    Q_OBJECT
private slots:
    void bytesInBinaryUnits() {
        QCOMPARE(formatBytes(7.95 * kGiB), QString("7.95 GiB"));
        QCOMPARE(formatBytes(80 * kGiB), QString("80 GiB"));
        QCOMPARE(formatBytes(1171200), QString("1.12 MiB")); // stories260K as stored
        QCOMPARE(formatBytes(512), QString("512 B"));
        QCOMPARE(formatBytes(1536), QString("1.5 KiB"));
        QCOMPARE(formatBytes(14.96 * kGiB), QString("14.96 GiB")); // llama.cpp's F16 8B
        QCOMPARE(formatBytes(140.5 * kGiB), QString("140.5 GiB"));
        QCOMPARE(formatBytes(1000.4 * kGiB), QString("1000 GiB"));
        QCOMPARE(chooseByteUnit(1023).suffix, QString("B"));
        QCOMPARE(chooseByteUnit(1024).suffix, QString("KiB"));
        QCOMPARE(chooseByteUnit(3 * kGiB).bytes, kGiB);
    }

    void ticksAreNiceInTheDisplayUnit() {
        QCOMPARE(niceTicks(80, 6), (QList<double>{0, 20, 40, 60, 80}));
        QCOMPARE(niceTicks(7, 6), (QList<double>{0, 2, 4, 6, 8}));
        const QList<double> small = niceTicks(1.17, 6);
        const QList<double> expected{0, 0.2, 0.4, 0.6, 0.8, 1, 1.2};
        QCOMPARE(small.size(), expected.size());
        for (int i = 0; i < small.size(); ++i)
            QCOMPARE(small[i], expected[i]); // fuzzy for doubles: 3 x 0.2 is 0.6000000000000001
        QCOMPARE(niceTicks(0, 6), QList<double>{0});
        const QList<double> t = byteTicks(80 * kGiB, 6);
        QCOMPARE(t.size(), 5);
        QCOMPARE(t.back(), 80 * kGiB);
        QCOMPARE(formatInUnit(t[1], chooseByteUnit(80 * kGiB), t[1]), QString("20"));
        QCOMPARE(formatInUnit(0.4 * 1048576, chooseByteUnit(1.17 * 1048576), 0.2 * 1048576),
                 QString("0.4"));
    }

    void valuesMapToPixels() {
        QCOMPARE(valueToPixel(5, 0, 10, 100, 0), 50.0);
        QCOMPARE(valueToPixel(0, 0, 10, 100, 0), 100.0);
        QCOMPARE(valueToPixel(10, 0, 10, 100, 0), 0.0);
        QCOMPARE(valueToPixel(3, 3, 3, 7, 9), 7.0);
    }

    void layoutKeepsLabelsApart() {
        FitChartLayoutInput in;
        in.area = QRectF(0, 0, 600, 400);
        in.bars = 7;
        in.axisLabelWidth = 50;
        in.barLabelWidth = 120;
        in.gpuLabelWidth = 150;
        const FitChartLayout l = layoutFitChart(in);
        QVERIFY(l.axis.right() <= l.plot.left());
        QVERIFY(l.plot.bottom() <= l.labels.top());
        QVERIFY(l.labels.bottom() <= l.legend.top());
        QVERIFY(l.rotateLabels); // 120 px names in ~50 px slots
        QVERIFY(l.barSlot(6).right() <= l.plot.right() + 1e-9);
        QVERIFY(l.plot.right() + 150 <= in.area.right() + 1e-9);
        QVERIFY(l.barWidth < l.slotWidth);
    }

    void barTotalsAndTooltip() {
        FitChartData d;
        FitBar b;
        b.variant = "q4km";
        b.format = "q4_K";
        b.parts = {4 * quint64(kGiB), quint64(kGiB) / 2, quint64(kGiB), quint64(kGiB) / 4,
                   quint64(kGiB) / 4};
        d.bars = {b};
        d.gpus = {{"RTX 4090", quint64(24 * kGiB), quint64(24 * kGiB)},
                  {"T4", quint64(4 * kGiB), quint64(4 * kGiB)}};
        QCOMPARE(b.total(), quint64(6 * kGiB));
        QCOMPARE(d.largestBytes(), 24 * kGiB);
        FitChartPainter painter(d);
        const QString tip = painter.tooltip(0);
        QVERIFY2(tip.contains("RTX 4090: fits (18 GiB to spare)"), qPrintable(tip));
        QVERIFY2(tip.contains("T4: does not fit (2 GiB short)"), qPrintable(tip));
        QImage image(500, 300, QImage::Format_ARGB32);
        QPainter p(&image);
        painter.paint(p, QRectF(0, 0, 500, 300));
        p.end();
        QCOMPARE(painter.barAt(QRectF(0, 0, 500, 300), QPointF(1, 1)), -1);
    }
};

QTEST_MAIN(FitChartMathTest)
#include "fit_chart_math_test.moc"
