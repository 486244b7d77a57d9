#include "ui/heatmap_math.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace {

// ColorBrewer RdBu, 11 classes, from worst (dark red) to best (dark blue).
constexpr std::array<QRgb, 11> kRdBu{0x67001f, 0xb2182b, 0xd6604d, 0xf4a582, 0xfddbc7, 0xf7f7f7,
                                     0xd1e5f0, 0x92c5de, 0x4393c3, 0x2166ac, 0x053061};

int mix(int a, int b, double t) {
    return int(std::lround(a + (b - a) * t));
}

QColor lerp(const QColor& a, const QColor& b, double t) {
    return QColor(mix(a.red(), b.red(), t), mix(a.green(), b.green(), t),
                  mix(a.blue(), b.blue(), t));
}

double channelLuminance(int c) {
    const double s = c / 255.0;
    return s <= 0.03928 ? s / 12.92 : std::pow((s + 0.055) / 1.055, 2.4);
}

QString significant(double value, int digits) {
    QString s = QString::number(value, 'g', digits);
    if (s.contains('e')) // tiny values: fixed notation reads better than 1.2e-05
        s = QString::number(value, 'f', 6);
    return s;
}

} // namespace

double heatmapScalePosition(double goodness, double limit, double fallbackScale) {
    const double scale = limit > 0 ? 2.0 * limit : fallbackScale;
    if (!(scale > 0) || !std::isfinite(goodness))
        return 0.0;
    return std::clamp(goodness / scale, -1.0, 1.0);
}

QColor divergingColor(double position) {
    const double p = std::clamp(std::isfinite(position) ? position : 0.0, -1.0, 1.0);
    const double x = (p + 1.0) * 0.5 * double(kRdBu.size() - 1);
    const size_t i = std::min(size_t(x), kRdBu.size() - 2);
    return lerp(QColor(kRdBu[i]), QColor(kRdBu[i + 1]), x - double(i));
}

QColor fadedColor(const QColor& colour, const QColor& background, double keep) {
    return lerp(background, colour, std::clamp(keep, 0.0, 1.0));
}

QColor textColorOn(const QColor& fill) {
    const double l = 0.2126 * channelLuminance(fill.red()) +
                     0.7152 * channelLuminance(fill.green()) +
                     0.0722 * channelLuminance(fill.blue());
    // Contrast against black is (l + 0.05) / 0.05, against white 1.05 / (l + 0.05).
    return (l + 0.05) * (l + 0.05) > 0.05 * 1.05 ? QColor(Qt::black) : QColor(Qt::white);
}

QString formatDelta(double delta) {
    if (delta == 0.0 || !std::isfinite(delta))
        return QStringLiteral("0");
    const QString magnitude = significant(std::fabs(delta), 3);
    return (delta > 0 ? QStringLiteral("+") : QStringLiteral("\u2212")) + magnitude;
}

QString formatScore(double score) {
    const QString s = significant(std::fabs(score), 4);
    return score < 0 ? QStringLiteral("\u2212") + s : s;
}

QString formatInterval(double low, double high) {
    return QStringLiteral("[%1, %2]").arg(formatDelta(low), formatDelta(high));
}

QRectF HeatmapLayout::cellRect(int row, int column) const {
    return {grid.left() + column * cellWidth, grid.top() + row * cellHeight, cellWidth, cellHeight};
}

std::optional<std::pair<int, int>> HeatmapLayout::cellAt(const QPointF& point) const {
    if (!grid.contains(point) || cellWidth <= 0 || cellHeight <= 0)
        return std::nullopt;
    const int column = int((point.x() - grid.left()) / cellWidth);
    const int row = int((point.y() - grid.top()) / cellHeight);
    const int rows = int(std::lround(grid.height() / cellHeight));
    const int columns = int(std::lround(grid.width() / cellWidth));
    if (row < 0 || column < 0 || row >= rows || column >= columns)
        return std::nullopt;
    return std::make_pair(row, column);
}

HeatmapLayout layoutHeatmap(const HeatmapLayoutInput& in) {
    HeatmapLayout l;
    const double pad = std::round(in.lineHeight * 0.5);
    const QRectF a = in.area.adjusted(pad, pad, -pad, -pad);
    const int rows = std::max(in.rows, 1), columns = std::max(in.columns, 1);
    l.title = QRectF(a.left(), a.top(), a.width(), in.lineHeight * 1.4);
    l.legend = QRectF(a.left(), a.bottom() - in.lineHeight * 3.2, a.width(), in.lineHeight * 3.2);
    const double rowLabelWidth = std::min(in.rowLabelWidth + pad, a.width() * 0.4);
    const double gridWidth = std::max(a.width() - rowLabelWidth, 1.0);
    l.cellWidth = std::min(gridWidth / columns, in.maxCellWidth);
    // Column labels stand upright when they do not fit their column side by side.
    l.rotateColumnLabels = in.columnLabelWidth + pad > l.cellWidth;
    const double labelHeight = l.rotateColumnLabels
                                   ? std::min(in.columnLabelWidth + pad, a.height() * 0.3)
                                   : in.lineHeight * 1.4;
    const double top = l.title.bottom() + labelHeight;
    const double gridHeight = std::max(l.legend.top() - pad - top, 1.0);
    l.cellHeight = std::min(gridHeight / rows, in.maxCellHeight);
    l.grid = QRectF(a.left() + rowLabelWidth, top, l.cellWidth * columns, l.cellHeight * rows);
    l.rowLabels = QRectF(a.left(), top, rowLabelWidth - pad * 0.5, l.grid.height());
    l.columnLabels = QRectF(l.grid.left(), l.title.bottom(), l.grid.width(), labelHeight);
    l.cellText = l.cellHeight >= in.lineHeight * 1.1 && l.cellWidth >= in.lineHeight * 3.6;
    return l;
}

QString elideMiddle(const QString& text, int maxChars) {
    if (text.size() <= maxChars || maxChars < 3)
        return text;
    const int keep = maxChars - 1;
    return text.left(keep - keep / 2) + QChar(0x2026) + text.right(keep / 2);
}
