#include "ui/report_charts.h"

#include "ui/heatmap_math.h"

#include <QBuffer>
#include <QFontMetricsF>
#include <QPainter>
#include <QSvgGenerator>
#include <algorithm>
#include <cmath>

namespace {

using ql::report::ScorecardSection;

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

CellVerdict verdictOf(const ql::report::CellGate& g) {
    if (!g.gated || !g.limit)
        return CellVerdict::NotGated;
    if (!g.reason)
        return CellVerdict::Pass;
    return g.reason->severity == "fail" ? CellVerdict::Fail : CellVerdict::Inconclusive;
}

CellSignificance significanceOf(const std::optional<bool>& s) {
    if (!s)
        return CellSignificance::Unknown;
    return *s ? CellSignificance::Significant : CellSignificance::NotSignificant;
}

HeatmapCell heatmapCell(const ScorecardSection& s, const ql::report::ReportCell& base,
                        const std::string& variant) {
    HeatmapCell out;
    const auto* c = s.find(variant, base.dimension, base.slice);
    if (!c || !c->vsBaseline)
        return out;
    const auto& k = *c->vsBaseline;
    const auto gate = s.cellGate(variant, base.dimension, base.slice);
    out.present = true;
    out.baseline = k.baseline;
    out.value = k.value;
    out.delta = k.delta;
    out.ciLow = k.ciLow;
    out.ciHigh = k.ciHigh;
    out.pValue = k.pValue;
    out.baselineN = base.n;
    out.variantN = c->n;
    out.method = QString::fromLatin1(ql::score::statMethodLabel(k.method));
    out.significance = significanceOf(gate.significant);
    out.verdict = verdictOf(gate);
    out.limit = gate.limit;
    if (gate.reason)
        out.reason = qs(gate.reason->message);
    return out;
}

HeatmapData dimensionHeatmap(const ScorecardSection& s, const std::string& dim) {
    HeatmapData d;
    d.dimension = qs(dim);
    d.title = qs(s.card.name + ": " + dim);
    d.baseline = qs(s.card.baseline);
    if (s.policy) {
        d.confidence = s.policy->confidence;
        const auto& lib = s.policy->lowerIsBetter;
        d.lowerIsBetter = std::find(lib.begin(), lib.end(), dim) != lib.end();
    }
    const std::vector<std::string> variants(s.variants.begin() + 1, s.variants.end());
    for (const auto& v : variants)
        d.variants.append(qs(v));
    for (const auto& base : s.cells) {
        if (base.variant != s.card.baseline || base.dimension != dim ||
            base.kind == ql::score::CellKind::ReportedAggregate)
            continue;
        d.slices.append(qs(base.slice));
        for (const auto& v : variants)
            d.cells.append(heatmapCell(s, base, v));
    }
    return d;
}

FitBar fitBar(const ql::report::FitRow& row) {
    const auto& f = row.report;
    FitBar bar;
    bar.variant = qs(row.variant);
    bar.format = qs(row.format);
    // Per GPU: with tensor parallelism the metadata is split like the rest of the weights.
    const double share =
        f.weights.total() ? double(f.weightBytes) / double(f.weights.total()) : 1.0;
    const auto metadata = quint64(std::llround(double(f.weights.metadata) * share));
    bar.parts = {f.weightBytes - metadata, metadata, f.kvBytes(), f.computeBytes,
                 f.fixedBytes + f.outputBytes};
    return bar;
}

} // namespace

QList<HeatmapData> reportHeatmaps(const ScorecardSection& section) {
    QList<HeatmapData> out;
    if (section.card.baseline.empty() || section.variants.size() < 2)
        return out;
    for (const auto& dim : section.card.dimensions())
        out.append(dimensionHeatmap(section, dim));
    return out;
}

FitChartData reportFitChart(const ql::report::FitSection& fit) {
    FitChartData out;
    out.title = QObject::tr("%1 tokens \u00d7 %2 sequence(s), %3")
                    .arg(fit.context)
                    .arg(fit.batch)
                    .arg(qs(fit.runtime));
    QStringList seenGpus, seenVariants;
    for (const auto& row : fit.rows) {
        const QString gpu = qs(row.report.gpuName);
        if (!seenGpus.contains(gpu)) {
            seenGpus.append(gpu);
            const quint64 card = row.report.gpuBytes;
            out.gpus.append({gpu, card, card - row.report.reservedBytes});
        }
        if (!seenVariants.contains(qs(row.variant))) {
            seenVariants.append(qs(row.variant));
            out.bars.append(fitBar(row));
        }
    }
    return out;
}

namespace {

QFont chartFont() {
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setPixelSize(12);
    return f;
}

// layoutHeatmap's proportions (ui/heatmap_math.cpp): row labels get at most 40 % of the
// padded width, upright column labels at most 30 % of the padded height.
constexpr double kRowLabelShare = 0.4;
constexpr double kColumnLabelShare = 0.3;

} // namespace

HeatmapLabelWidths heatmapLabelWidths(const HeatmapData& data) {
    const QFontMetricsF fm(chartFont());
    HeatmapLabelWidths w;
    for (const QString& s : data.slices)
        w.slice = std::max(w.slice, fm.horizontalAdvance(s));
    for (const QString& v : data.variants)
        w.variant = std::max(w.variant, fm.horizontalAdvance(v));
    w.lineHeight = fm.lineSpacing();
    return w;
}

QSize heatmapSizeFor(int rows, int columns, const HeatmapLabelWidths& labels, int maxHeight) {
    const double pad = std::round(labels.lineHeight * 0.5);
    const double labelWidth = std::ceil((labels.slice + pad) / kRowLabelShare + 2 * pad);
    const int width =
        std::clamp(std::max(220 + 96 * columns, int(labelWidth)), 480, kMaxReportChartWidth);
    // Upright variant names need their length above the grid (the layout turns them when
    // they are wider than a column: at most 90 px, less when many share the width).
    const double inner = width - 2 * pad;
    const double rowLabels = std::min(labels.slice + pad, inner * kRowLabelShare);
    const double cellWidth = std::min((inner - rowLabels) / std::max(columns, 1), 90.0);
    const bool upright = labels.variant + pad > cellWidth;
    const double uprightHeight =
        upright ? std::ceil((labels.variant + pad) / kColumnLabelShare + 2 * pad) : 0;
    int height =
        std::max(150 + 24 * rows + (upright ? int(labels.variant) : 0), int(uprightHeight));
    if (maxHeight > 0)
        height = std::min(height, maxHeight);
    return {width, height};
}

QSize heatmapSize(const HeatmapData& data, int maxHeight) {
    return heatmapSizeFor(int(data.slices.size()), int(data.variants.size()),
                          heatmapLabelWidths(data), maxHeight);
}

namespace {

// The whole map cut into `pages` parts of as even a number of slices as the rows allow.
QList<HeatmapData> heatmapParts(const HeatmapData& data, int pages) {
    const int rows = int(data.slices.size()), columns = int(data.variants.size());
    const int perPage = (rows + pages - 1) / pages;
    QList<HeatmapData> out;
    for (int first = 0; first < rows; first += perPage) {
        const int n = std::min(perPage, rows - first);
        HeatmapData part = data;
        part.slices = data.slices.mid(first, n);
        part.cells = data.cells.mid(qsizetype(first) * columns, qsizetype(n) * columns);
        part.sharedScale = HeatmapData::SharedScale{data.scaleLimit(), data.largestDelta()};
        part.title = QStringLiteral("%1 (slices %2\u2013%3 of %4)")
                         .arg(data.title)
                         .arg(first + 1)
                         .arg(first + n)
                         .arg(rows);
        out.append(part);
    }
    return out;
}

} // namespace

bool heatmapLabelsEveryRow(const HeatmapData& data, int maxHeight) {
    const HeatmapLabelWidths w = heatmapLabelWidths(data);
    HeatmapLayoutInput in;
    in.area = QRectF(QPointF(0, 0), QSizeF(heatmapSize(data, maxHeight)));
    in.rows = int(data.slices.size());
    in.columns = int(data.variants.size());
    in.rowLabelWidth = w.slice;
    in.columnLabelWidth = w.variant;
    in.lineHeight = w.lineHeight;
    return layoutHeatmap(in).cellHeight >= w.lineHeight;
}

QList<HeatmapData> heatmapPagesFor(const HeatmapData& data, int maxHeight) {
    const int rows = int(data.slices.size());
    if (rows <= 1 || heatmapLabelsEveryRow(data, maxHeight))
        return {data};
    // A part's own labels set its size (shorter slice names make it narrower, which can
    // turn the variant names upright), so every part is measured as it will be drawn.
    for (int pages = 2; pages <= rows; ++pages) {
        QList<HeatmapData> parts = heatmapParts(data, pages);
        if (std::all_of(parts.begin(), parts.end(), [&](const HeatmapData& part) {
                return heatmapLabelsEveryRow(part, maxHeight);
            }))
            return parts;
    }
    return {data}; // not even one row a page fits: the squeezed map, labelled every few rows
}

QSize fitChartSize(const FitChartData& data) {
    return {std::clamp(260 + 90 * int(data.bars.size()), 560, 1000), 380};
}

QImage chartImage(const ChartPaint& paint, const QSize& size, double scale) {
    QImage image(size * scale, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(scale);
    image.fill(Qt::white);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::TextAntialiasing);
    paint(p, QRectF(QPointF(0, 0), QSizeF(size)));
    return image;
}

QByteArray chartSvg(const ChartPaint& paint, const QSize& size, const QString& title) {
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    QSvgGenerator svg;
    svg.setOutputDevice(&buffer);
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(0, 0), size));
    svg.setTitle(title);
    svg.setResolution(96);
    {
        QPainter p(&svg);
        paint(p, QRectF(QPointF(0, 0), QSizeF(size)));
    }
    return buffer.data();
}

ChartPaint paintHeatmap(const HeatmapData& data) {
    return [data](QPainter& p, const QRectF& r) {
        HeatmapPainter painter(data);
        painter.font = chartFont();
        painter.paint(p, r);
    };
}

ChartPaint paintFitChart(const FitChartData& data) {
    return [data](QPainter& p, const QRectF& r) {
        FitChartPainter painter(data);
        painter.font = chartFont();
        painter.paint(p, r);
    };
}
