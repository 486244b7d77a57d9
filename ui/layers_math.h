#pragma once
// The Layers view's drawing math, outside paint code so it is tested without a GUI:
// which figure each variant shows per block or kind, and how histogram bins become bars.
#include "ui/layers_types.h"

#include <QList>
#include <QRectF>
#include <QString>
#include <QStringList>

enum class LayerGrouping { Block, Kind };
// OutputError: the output-aware error on calibration text (sqrt(sum noise / sum signal)
// per group); only variants that were measured get a series.
enum class LayerFigure { Share, RelFrobenius, OutputError };

struct LayerSeries {
    qint64 variantId = 0;
    QString label;
    QList<double> values; // one per category; 0 where the variant lacks the group
};

struct LayerChart {
    QStringList categories; // model order: embed, 0, 1, ..., output / token_embd, attn_q, ...
    QList<LayerSeries> series;
    double maxValue = 0;
    double minPositive = 0; // smallest value > 0, for a log axis
    bool isEmpty() const { return categories.isEmpty() || series.isEmpty(); }
};

const QList<LayerGroupRow>& groupsOf(const VariantLayers& v, LayerGrouping g);
LayerChart buildLayerChart(const LayersData& data, LayerGrouping g, LayerFigure f);
// Whether a variant has figures for f (output errors only once measured).
bool hasFigure(const VariantLayers& v, LayerFigure f);
double figureOf(const LayerGroupRow& row, LayerFigure f);

// ---- Histograms -------------------------------------------------------------------

// Maps a count to a y pixel inside `plot` (bottom = 0). On a log scale, counts are drawn
// as log10(1 + count), so an empty bin sits on the axis and a single weight shows.
struct CountScale {
    double maxCount = 0;
    bool log = true;
    double toY(double count, const QRectF& plot) const;
};

// One bar per bin, equally wide, left to right: an open outer bin is as wide as the
// others so it stays visible. Bars of empty bins have zero height.
QList<QRectF> histogramBars(const QList<qint64>& counts, const QRectF& plot,
                            const CountScale& scale);
// The x pixel of a value that lies in bin `bin` at fraction `t` of it (0 <= t <= 1).
double binX(int bins, int bin, double t, const QRectF& plot);
// The x pixel of `value` on a histogram with these edges, interpolating inside its bin:
// log-linearly with logBins (the error scheme's quarter decades), else linearly. A value
// in an open outer bin maps to that bin's middle.
double valueToX(const QList<double>& edges, double value, const QRectF& plot, bool logBins);
// Bins of the weight histogram that hold outliers at k: wholly beyond +-k (in sigmas).
QList<bool> outlierBins(const QList<double>& weightEdges, double k);
// Which edges get an axis label: on log bins the whole decades, on linear bins the
// multiples of the smallest step of 1, 2, 4, 5, 10, ... that keeps at most maxLabels; the
// infinite outer edges never (their bins are labelled by their neighbours).
QList<int> labelledEdges(const QList<double>& edges, bool logBins, int maxLabels);
// "1e-3", "0.56", "10", "+inf": a bin edge for an axis label.
QString edgeLabel(double edge);
