#pragma once
// Drawing math of the VRAM-fit chart, apart from any QPainter (tested without a
// display): byte units, tick choice, value -> pixel, bar layout.
#include <QList>
#include <QRectF>
#include <QString>

// The unit an axis is labelled in: the largest binary unit the largest value reaches.
struct ByteUnit {
    double bytes = 1; // bytes per unit: 2^30 for GiB
    QString suffix;   // "GiB"
};
ByteUnit chooseByteUnit(double largestBytes);
// "7.95 GiB", "80 GiB", "1.12 MiB", "140.5 GiB": binary units, two decimals below 100
// (as llama.cpp prints sizes), trailing zeros dropped ("80 GiB", not "80.00 GiB").
QString formatBytes(double bytes);
// A value in a given unit, without the suffix, as tick labels print it.
QString formatInUnit(double bytes, const ByteUnit& unit, double step);

// "Nice" axis ticks covering [0, top]: steps of 1, 2 or 5 x 10^k, at most `maxTicks`
// intervals; the last tick is >= top.
QList<double> niceTicks(double top, int maxTicks);

// Ticks for a byte axis reaching `topBytes`: nice in the unit chooseByteUnit picks
// (0, 20, 40, 60, 80 GiB rather than steps of 2 x 10^10 bytes). Values are in bytes.
QList<double> byteTicks(double topBytes, int maxTicks);

// Linear map of `value` from [lo, hi] to [pixLo, pixHi] (pixHi < pixLo for a y axis).
double valueToPixel(double value, double lo, double hi, double pixLo, double pixHi);

struct FitChartLayoutInput {
    QRectF area;
    int bars = 0;
    double lineHeight = 14;
    double axisLabelWidth = 40; // widest tick label, px
    double barLabelWidth = 60;  // widest variant name, px
    double gpuLabelWidth = 80;  // widest GPU line label, px
};

struct FitChartLayout {
    QRectF title;
    QRectF plot;   // bars and GPU lines live here
    QRectF axis;   // tick labels left of the plot
    QRectF labels; // variant names below the plot
    QRectF legend;
    double barWidth = 0;
    double slotWidth = 0;
    bool rotateLabels = false;

    QRectF barSlot(int index) const; // the full-height band of one bar
};

FitChartLayout layoutFitChart(const FitChartLayoutInput& in);
