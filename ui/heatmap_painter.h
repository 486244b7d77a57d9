#pragma once
// STABLE PUBLIC API (shared with the report export): the per-slice regression heatmap,
// painted onto any QPainter and rectangle (a widget, a QImage for PNG, a QSvgGenerator,
// a QPdfWriter). Rows are slices, columns are variants; each cell's colour is its delta
// against the baseline on a diverging scale centred on zero and scaled to the gate's
// limit; cells that fail the gate are outlined, deltas that are not significant are
// faded. Add members and functions; do not change or remove existing ones.
#include <QColor>
#include <QFont>
#include <QList>
#include <QString>
#include <optional>

class QPainter;
class QRectF;
class QPointF;
struct HeatmapLayout;

enum class CellVerdict { Pass, Fail, Inconclusive, NotGated };
enum class CellSignificance { Significant, NotSignificant, Unknown };

struct HeatmapCell {
    bool present = false; // the variant has a score here (and so does the baseline)
    double baseline = 0;
    double value = 0;
    double delta = 0; // value - baseline, in score units
    std::optional<double> ciLow, ciHigh;
    std::optional<double> pValue;
    qint64 baselineN = 0, variantN = 0; // 0: unknown
    QString method;                     // "paired bootstrap", "delta only (no n)", ...
    CellSignificance significance = CellSignificance::Unknown;
    CellVerdict verdict = CellVerdict::NotGated;
    std::optional<double> limit; // the gate's regression limit here, in score units
    QString reason;              // the gate's words when it fails or is inconclusive
};

struct HeatmapData {
    QString title;     // "Llama-3.1-8B: acc"
    QString dimension; // "acc"
    bool lowerIsBetter = false;
    QString baseline;
    double confidence = 0.95;
    QStringList slices;       // rows
    QStringList variants;     // columns
    QList<HeatmapCell> cells; // row-major: cells[row * variants.size() + column]
    // A part of a larger heatmap (a printed page of its slices) keeps the whole one's
    // colour scale, so that the same delta has the same colour on every page.
    struct SharedScale {
        std::optional<double> limit;
        double largestDelta = 0;
    };
    std::optional<SharedScale> sharedScale;

    const HeatmapCell& cell(int row, int column) const {
        return cells[row * variants.size() + column];
    }
    // The limit used to scale colours: the smallest limit of any cell, else nullopt.
    std::optional<double> scaleLimit() const;
    // Largest |delta| over present cells (the scale when no gate limit exists).
    double largestDelta() const;
};

class HeatmapPainter {
public:
    explicit HeatmapPainter(const HeatmapData& data);

    void paint(QPainter& painter, const QRectF& rect) const;
    // The (row, column) under `point` when the heatmap is painted into `rect`.
    std::optional<std::pair<int, int>> cellAt(const QRectF& rect, const QPointF& point) const;
    // Baseline, variant, delta, confidence interval, n, method and the gate's verdict.
    QString tooltip(int row, int column) const;
    // The colour a cell is filled with (faded when not significant).
    QColor cellColor(const HeatmapCell& cell) const;

    QColor background = QColor(Qt::white);
    QColor foreground = QColor(0x20, 0x20, 0x20);
    QColor failOutline = QColor(0x11, 0x11, 0x11);
    QColor inconclusiveOutline = QColor(0x80, 0x80, 0x80);
    QColor missingFill = QColor(0xe4, 0xe4, 0xe4);
    QFont font; // every text is drawn in this font and its bold variant

private:
    HeatmapLayout layout(const QRectF& rect) const;
    void paintTitle(QPainter& p, const HeatmapLayout& l) const;
    void paintLabels(QPainter& p, const HeatmapLayout& l) const;
    void paintCells(QPainter& p, const HeatmapLayout& l) const;
    void paintOutlines(QPainter& p, const HeatmapLayout& l) const;
    void paintLegend(QPainter& p, const HeatmapLayout& l) const;
    double scalePosition(const HeatmapCell& cell) const;

    const HeatmapData& m_data;
    double m_fallbackScale = 0;
};
