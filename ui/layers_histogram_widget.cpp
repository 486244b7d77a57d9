#include "ui/layers_histogram_widget.h"

#include <QPainter>
#include <QPalette>
#include <algorithm>

namespace {

const QColor kBar(70, 120, 190);
const QColor kOutlier(205, 60, 50);

// About one label per 55 px, so labels never crowd.
int maxLabels(double width) {
    return std::max(2, int(width / 55.0));
}

} // namespace

LayersHistogramWidget::LayersHistogramWidget(QWidget* parent)
    : QWidget(parent) {
    setMinimumSize(240, 140);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void LayersHistogramWidget::setHistogram(const QString& title, const QString& xCaption,
                                         const QList<double>& edges, const QList<qint64>& counts,
                                         bool logBins, const QList<bool>& highlighted,
                                         const QList<Marker>& markers) {
    m_title = title;
    m_xCaption = xCaption;
    m_message.clear();
    m_edges = edges;
    m_counts = counts;
    m_logBins = logBins;
    m_highlighted = highlighted;
    m_markers = markers;
    update();
}

void LayersHistogramWidget::clear(const QString& message) {
    m_message = message;
    m_counts.clear();
    m_edges.clear();
    update();
}

QRectF LayersHistogramWidget::plotRect() const {
    const int line = fontMetrics().height();
    return QRectF(48, line + 8, std::max(10, width() - 60), std::max(10, height() - 3 * line - 14));
}

void LayersHistogramWidget::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().base());
    p.setPen(palette().text().color());
    p.drawText(QRectF(8, 4, width() - 16, fontMetrics().height()), Qt::AlignLeft, m_title);
    if (m_counts.isEmpty() || m_edges.size() != m_counts.size() + 1) {
        p.setPen(palette().placeholderText().color());
        p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, m_message);
        return;
    }
    const QRectF plot = plotRect();
    paintBars(p, plot);
    paintMarkers(p, plot);
    paintAxis(p, plot);
}

void LayersHistogramWidget::paintBars(QPainter& p, const QRectF& plot) const {
    const CountScale scale{double(*std::max_element(m_counts.begin(), m_counts.end())), true};
    const QList<QRectF> bars = histogramBars(m_counts, plot, scale);
    p.setPen(Qt::NoPen);
    for (qsizetype i = 0; i < bars.size(); ++i) {
        const bool hot = i < m_highlighted.size() && m_highlighted[i] && m_counts[i] > 0;
        p.setBrush(hot ? kOutlier : kBar);
        p.drawRect(bars[i].adjusted(0.5, 0, -0.5, 0));
    }
}

void LayersHistogramWidget::paintMarkers(QPainter& p, const QRectF& plot) const {
    p.setPen(QPen(kOutlier, 1, Qt::DashLine));
    for (const Marker& m : m_markers) {
        const double x = valueToX(m_edges, m.value, plot, m_logBins);
        p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
        p.drawText(QPointF(x + 2, plot.top() + fontMetrics().ascent()), m.label);
    }
}

void LayersHistogramWidget::paintAxis(QPainter& p, const QRectF& plot) const {
    p.setPen(palette().text().color());
    p.drawLine(plot.bottomLeft(), plot.bottomRight());
    const int bins = int(m_counts.size());
    const int line = fontMetrics().height();
    for (int i : labelledEdges(m_edges, m_logBins, maxLabels(plot.width()))) {
        const double x = binX(bins, i, 0.0, plot);
        p.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 3));
        p.drawText(QRectF(x - 30, plot.bottom() + 4, 60, line), Qt::AlignHCenter,
                   edgeLabel(m_edges[i]));
    }
    const qint64 maxCount = *std::max_element(m_counts.begin(), m_counts.end());
    p.drawText(QRectF(0, plot.top() - 2, plot.left() - 4, line), Qt::AlignRight,
               QString::number(maxCount));
    p.drawText(QRectF(0, plot.bottom() - line, plot.left() - 4, line), Qt::AlignRight,
               QStringLiteral("0"));
    p.drawText(QRectF(plot.left(), plot.bottom() + line + 4, plot.width(), line), Qt::AlignHCenter,
               m_xCaption);
}
