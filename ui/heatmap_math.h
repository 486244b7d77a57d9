#pragma once
// Drawing math of the regression heatmap, apart from any QPainter so that it is tested
// without a display (KDAB Hotspot's habit). HeatmapPainter and the report helper call
// these; nothing here draws.
#include <QColor>
#include <QList>
#include <QRectF>
#include <QString>
#include <optional>

// Where a delta sits on the diverging scale: 0 = no change, -1 = a regression of twice
// the gate's limit or worse, +1 = an improvement of twice the limit or better. The limit
// itself lands at -0.5, so a cell that just fails is clearly red but not the darkest.
// `goodness` is the delta signed so that positive is better (deltas of lower-is-better
// dimensions are negated by the caller). A limit <= 0 falls back to `fallbackScale`.
double heatmapScalePosition(double goodness, double limit, double fallbackScale);

// The colour of a scale position: ColorBrewer's RdBu (red = worse, blue = better), white
// at 0, interpolated in RGB between its 11 stops. Out-of-range positions are clamped.
QColor divergingColor(double position);
// A not-significant cell: the colour mixed towards the background, so it reads as
// "this difference may be noise".
QColor fadedColor(const QColor& colour, const QColor& background, double keep = 0.3);
// Black or white, whichever reads better on `fill` (WCAG relative luminance).
QColor textColorOn(const QColor& fill);

// "+0.0123", "−0.0450" (a real minus sign), "0": always a sign on a non-zero delta, three
// significant digits, no exponent for |delta| >= 1e-4.
QString formatDelta(double delta);
// A score as the source gave it: up to four significant digits.
QString formatScore(double score);
// "[−0.031, +0.004]".
QString formatInterval(double low, double high);

// Geometry of the heatmap inside a rectangle: a title line, column labels on top
// (rotated when they do not fit their column), row labels on the left, the grid, and a
// legend strip at the bottom. Measured text widths come in, rectangles come out.
struct HeatmapLayoutInput {
    QRectF area;
    int rows = 0;
    int columns = 0;
    double rowLabelWidth = 0;    // widest row label, px
    double columnLabelWidth = 0; // widest column label, px
    double lineHeight = 14;      // font line spacing, px
    double maxCellHeight = 28;
    double maxCellWidth = 90;
};

struct HeatmapLayout {
    QRectF title;
    QRectF rowLabels;
    QRectF columnLabels;
    QRectF grid;
    QRectF legend;
    double cellWidth = 0;
    double cellHeight = 0;
    bool rotateColumnLabels = false;
    bool cellText = false; // cells are large enough to print their delta

    QRectF cellRect(int row, int column) const;
    // The cell under a point, or nullopt outside the grid.
    std::optional<std::pair<int, int>> cellAt(const QPointF& point) const;
};

HeatmapLayout layoutHeatmap(const HeatmapLayoutInput& in);

// Truncates `text` to at most `maxChars`, ending in an ellipsis when cut.
QString elideMiddle(const QString& text, int maxChars);
