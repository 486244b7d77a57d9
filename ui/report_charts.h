#pragma once
// The release report's charts: the per-slice heatmap of each scorecard dimension and the
// VRAM-fit chart, made from a ReleaseReport and drawn by the Compare view's own painters
// (ui/heatmap_painter.h, ui/fit_chart_painter.h), as PNG for the PDF and SVG for HTML.
#include "engine/report/release_report.h"
#include "ui/fit_chart_painter.h"
#include "ui/heatmap_painter.h"

#include <QByteArray>
#include <QImage>
#include <QList>
#include <QSize>
#include <functional>

// One heatmap per dimension: slices (reported averages left out) x non-baseline variants,
// with the last gate run's limits, verdicts and significance.
QList<HeatmapData> reportHeatmaps(const ql::report::ScorecardSection& section);
// One bar per variant (sized on the first GPU: the parts do not depend on the card) and
// one line per GPU.
FitChartData reportFitChart(const ql::report::FitSection& fit);

// Sizes in logical pixels (1/96 inch) that read well on an A4 landscape page.
// maxHeight > 0: no taller than that (a PDF page), rows then get shorter and the painter
// labels every other one rather than letting the page cut the image.
QSize heatmapSize(const HeatmapData& data, int maxHeight = 0);

// The widest labels of a heatmap, measured in the report's chart font.
struct HeatmapLabelWidths {
    double slice = 0, variant = 0, lineHeight = 14;
};
HeatmapLabelWidths heatmapLabelWidths(const HeatmapData& data);
// A heatmap's report size: wide enough that slice labels up to kMaxReportChartWidth's
// share stand beside the grid whole (longer ones are elided in the middle), tall enough
// for a row per slice and for variant names set upright above the grid.
constexpr int kMaxReportChartWidth = 1000;
QSize heatmapSizeFor(int rows, int columns, const HeatmapLabelWidths& labels, int maxHeight);
// A heatmap cut by slices into parts no taller than maxHeight at a full row per slice (the
// whole map when it fits), each titled with its slice range and keeping the whole map's
// colour scale: a printed page then labels every slice instead of every few.
QList<HeatmapData> heatmapPagesFor(const HeatmapData& data, int maxHeight);
// Whether the map at heatmapSize(data, maxHeight) gives every row the height of a label.
bool heatmapLabelsEveryRow(const HeatmapData& data, int maxHeight);
QSize fitChartSize(const FitChartData& data);

using ChartPaint = std::function<void(QPainter&, const QRectF&)>;
QImage chartImage(const ChartPaint& paint, const QSize& size, double scale);
QByteArray chartSvg(const ChartPaint& paint, const QSize& size, const QString& title);
ChartPaint paintHeatmap(const HeatmapData& data);
ChartPaint paintFitChart(const FitChartData& data);
