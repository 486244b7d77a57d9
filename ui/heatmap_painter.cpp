#include "ui/heatmap_painter.h"

#include "ui/heatmap_math.h"

#include <QFontMetricsF>
#include <QLinearGradient>
#include <QPainter>
#include <QPainterPath>
#include <cmath>

std::optional<double> HeatmapData::scaleLimit() const {
    if (sharedScale)
        return sharedScale->limit;
    std::optional<double> out;
    for (const HeatmapCell& c : cells)
        if (c.present && c.limit && *c.limit > 0)
            out = out ? std::min(*out, *c.limit) : *c.limit;
    return out;
}

double HeatmapData::largestDelta() const {
    if (sharedScale)
        return sharedScale->largestDelta;
    double out = 0;
    for (const HeatmapCell& c : cells)
        if (c.present)
            out = std::max(out, std::fabs(c.delta));
    return out;
}

HeatmapPainter::HeatmapPainter(const HeatmapData& data)
    : m_data(data)
    , m_fallbackScale(data.largestDelta()) {}

double HeatmapPainter::scalePosition(const HeatmapCell& cell) const {
    const double goodness = m_data.lowerIsBetter ? -cell.delta : cell.delta;
    const auto limit = cell.limit ? cell.limit : m_data.scaleLimit();
    return heatmapScalePosition(goodness, limit.value_or(0.0), m_fallbackScale);
}

QColor HeatmapPainter::cellColor(const HeatmapCell& cell) const {
    if (!cell.present)
        return missingFill;
    const QColor c = divergingColor(scalePosition(cell));
    return cell.significance == CellSignificance::NotSignificant ? fadedColor(c, background) : c;
}

HeatmapLayout HeatmapPainter::layout(const QRectF& rect) const {
    const QFontMetricsF fm(font);
    HeatmapLayoutInput in;
    in.area = rect;
    in.rows = int(m_data.slices.size());
    in.columns = int(m_data.variants.size());
    for (const QString& s : m_data.slices)
        in.rowLabelWidth = std::max(in.rowLabelWidth, fm.horizontalAdvance(s));
    for (const QString& v : m_data.variants)
        in.columnLabelWidth = std::max(in.columnLabelWidth, fm.horizontalAdvance(v));
    in.lineHeight = fm.lineSpacing();
    return layoutHeatmap(in);
}

std::optional<std::pair<int, int>> HeatmapPainter::cellAt(const QRectF& rect,
                                                          const QPointF& point) const {
    return layout(rect).cellAt(point);
}

void HeatmapPainter::paint(QPainter& p, const QRectF& rect) const {
    p.save();
    p.setFont(font);
    p.fillRect(rect, background);
    const HeatmapLayout l = layout(rect);
    paintTitle(p, l);
    if (!m_data.slices.isEmpty() && !m_data.variants.isEmpty()) {
        paintLabels(p, l);
        paintCells(p, l);
        paintOutlines(p, l);
        paintLegend(p, l);
    }
    p.restore();
}

void HeatmapPainter::paintTitle(QPainter& p, const HeatmapLayout& l) const {
    QFont bold = font;
    bold.setBold(true);
    p.setFont(bold);
    p.setPen(foreground);
    const QString title = m_data.title.isEmpty() ? m_data.dimension : m_data.title;
    p.drawText(l.title, Qt::AlignLeft | Qt::AlignVCenter,
               QFontMetricsF(bold).elidedText(title, Qt::ElideRight, l.title.width()));
    p.setFont(font);
}

void HeatmapPainter::paintLabels(QPainter& p, const HeatmapLayout& l) const {
    const QFontMetricsF fm(font);
    p.setPen(foreground);
    // Row labels only where a row is tall enough to hold one without overlap.
    const int every = std::max(1, int(std::ceil(fm.height() / std::max(l.cellHeight, 1.0))));
    for (int r = 0; r < m_data.slices.size(); r += every) {
        const QRectF cell = l.cellRect(r, 0);
        const QRectF box(l.rowLabels.left(), cell.top(), l.rowLabels.width(), cell.height());
        p.drawText(box.adjusted(0, -fm.height(), 0, fm.height()), Qt::AlignRight | Qt::AlignVCenter,
                   fm.elidedText(m_data.slices[r], Qt::ElideMiddle, box.width()));
    }
    for (int c = 0; c < m_data.variants.size(); ++c) {
        const QRectF cell = l.cellRect(0, c);
        const QString text = m_data.variants[c];
        if (!l.rotateColumnLabels) {
            const QRectF box(cell.left(), l.columnLabels.top(), cell.width(),
                             l.columnLabels.height());
            p.drawText(box, Qt::AlignHCenter | Qt::AlignBottom,
                       fm.elidedText(text, Qt::ElideMiddle, box.width()));
            continue;
        }
        p.save();
        p.translate(cell.center().x(), l.columnLabels.bottom() - 3);
        p.rotate(-90);
        const QRectF box(0, -fm.height() / 2, l.columnLabels.height() - 3, fm.height());
        p.drawText(box, Qt::AlignLeft | Qt::AlignVCenter,
                   fm.elidedText(text, Qt::ElideMiddle, box.width()));
        p.restore();
    }
}

void HeatmapPainter::paintCells(QPainter& p, const HeatmapLayout& l) const {
    const QFontMetricsF fm(font);
    for (int r = 0; r < m_data.slices.size(); ++r)
        for (int c = 0; c < m_data.variants.size(); ++c) {
            const HeatmapCell& cell = m_data.cell(r, c);
            const QRectF box = l.cellRect(r, c);
            const QColor fill = cellColor(cell);
            p.fillRect(box, fill);
            if (!l.cellText)
                continue;
            p.setPen(cell.present ? textColorOn(fill) : inconclusiveOutline);
            const QString text = cell.present ? formatDelta(cell.delta) : QStringLiteral("n/a");
            p.drawText(box, Qt::AlignCenter, fm.elidedText(text, Qt::ElideRight, box.width() - 2));
        }
    // Thin separators in the background colour keep neighbouring equal cells apart.
    if (l.cellWidth >= 6 && l.cellHeight >= 6) {
        p.setPen(QPen(background, 1));
        for (int c = 1; c < m_data.variants.size(); ++c)
            p.drawLine(QPointF(l.cellRect(0, c).left(), l.grid.top()),
                       QPointF(l.cellRect(0, c).left(), l.grid.bottom()));
        for (int r = 1; r < m_data.slices.size(); ++r)
            p.drawLine(QPointF(l.grid.left(), l.cellRect(r, 0).top()),
                       QPointF(l.grid.right(), l.cellRect(r, 0).top()));
    }
}

void HeatmapPainter::paintOutlines(QPainter& p, const HeatmapLayout& l) const {
    const double width = std::clamp(std::min(l.cellWidth, l.cellHeight) / 8.0, 1.0, 2.5);
    p.setBrush(Qt::NoBrush);
    for (int r = 0; r < m_data.slices.size(); ++r)
        for (int c = 0; c < m_data.variants.size(); ++c) {
            const CellVerdict v = m_data.cell(r, c).verdict;
            if (v != CellVerdict::Fail && v != CellVerdict::Inconclusive)
                continue;
            const bool fail = v == CellVerdict::Fail;
            p.setPen(QPen(fail ? failOutline : inconclusiveOutline, width,
                          fail ? Qt::SolidLine : Qt::DashLine));
            const double in = width / 2 + 0.5;
            p.drawRect(l.cellRect(r, c).adjusted(in, in, -in, -in));
        }
}

void HeatmapPainter::paintLegend(QPainter& p, const HeatmapLayout& l) const {
    const QFontMetricsF fm(font);
    const QRectF strip(l.legend.left(), l.legend.top() + 2, std::min(220.0, l.legend.width() * 0.4),
                       fm.height() * 0.8);
    QLinearGradient g(strip.topLeft(), strip.topRight());
    for (int i = 0; i <= 10; ++i)
        g.setColorAt(i / 10.0, divergingColor(-1.0 + i / 5.0));
    p.fillRect(strip, g);
    p.setPen(foreground);
    const auto limit = m_data.scaleLimit();
    const double edge = limit ? 2 * *limit : m_fallbackScale;
    const QString worse = m_data.lowerIsBetter ? formatDelta(edge) : formatDelta(-edge);
    const QString better = m_data.lowerIsBetter ? formatDelta(-edge) : formatDelta(edge);
    const QRectF below(strip.left(), strip.bottom(), strip.width(), fm.height());
    p.drawText(below, Qt::AlignLeft | Qt::AlignTop, worse + QStringLiteral(" worse"));
    p.drawText(below, Qt::AlignRight | Qt::AlignTop, QStringLiteral("better ") + better);
    p.drawText(below, Qt::AlignHCenter | Qt::AlignTop, QStringLiteral("0"));
    const QString key =
        (limit ? QStringLiteral("limit %1 at mid-scale").arg(formatScore(*limit))
               : QStringLiteral("no limit: scaled to the largest delta")) +
        QStringLiteral(" \u00b7 solid outline: fails \u00b7 dashed: inconclusive \u00b7 faded: "
                       "not significant \u00b7 grey: missing");
    const QRectF keyBox(strip.right() + 12, l.legend.top(), l.legend.right() - strip.right() - 12,
                        l.legend.height());
    p.drawText(keyBox, Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, key);
}

QString HeatmapPainter::tooltip(int row, int column) const {
    const HeatmapCell& c = m_data.cell(row, column);
    QString t = QStringLiteral("<b>%1</b> \u00b7 %2 \u00b7 %3<br>")
                    .arg(m_data.variants[column].toHtmlEscaped(),
                         m_data.slices[row].toHtmlEscaped(), m_data.dimension.toHtmlEscaped());
    if (!c.present)
        return t + QStringLiteral("no score for this variant (the baseline has one)");
    const auto n = [](qint64 v) { return v > 0 ? QString::number(v) : QStringLiteral("?"); };
    t += QStringLiteral("baseline (%1): %2, n %3<br>")
             .arg(m_data.baseline.toHtmlEscaped(), formatScore(c.baseline), n(c.baselineN));
    t += QStringLiteral("variant: %1, n %2<br>delta: <b>%3</b>")
             .arg(formatScore(c.value), n(c.variantN), formatDelta(c.delta));
    if (c.ciLow && c.ciHigh)
        t += QStringLiteral(", %1% CI %2")
                 .arg(m_data.confidence * 100, 0, 'g', 3)
                 .arg(formatInterval(*c.ciLow, *c.ciHigh));
    if (c.pValue)
        t += QStringLiteral(", p %1").arg(*c.pValue, 0, 'g', 3);
    t += QStringLiteral("<br>method: %1").arg(c.method.toHtmlEscaped());
    if (c.significance == CellSignificance::Unknown)
        t += QStringLiteral(" (no n or stderr: significance unknown)");
    if (c.limit)
        t += QStringLiteral("<br>gate limit: %1").arg(formatScore(*c.limit));
    if (!c.reason.isEmpty())
        t += QStringLiteral("<br><i>%1</i>").arg(c.reason.toHtmlEscaped());
    return t;
}
