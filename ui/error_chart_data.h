#pragma once
// What the per-layer error chart shows, computed without any widget: shared layer
// categories and one row of values per variant. The chart panel only copies it into
// QBarSets, so every number on screen is tested here.
#include "ui/bridge_types.h"

#include <QList>
#include <QString>
#include <QStringList>

struct ChartSeriesData {
    qint64 variantId = 0;
    QString label;        // legend text: "int8 #3 (8.03 bpw)"
    QList<double> values; // one per category
};

struct ErrorChartData {
    QStringList categories; // "embed", "0", "1", ..., "output"
    QList<ChartSeriesData> series;
    double maxValue = 0;
    double minPositive = 0; // smallest value > 0, for a log axis

    bool isEmpty() const { return series.isEmpty() || categories.isEmpty(); }
};

ErrorChartData buildErrorChartData(const VariantList& variants, ErrorMetric metric);
QString metricTitle(ErrorMetric metric);
