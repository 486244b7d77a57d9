#include "ui/fit_chart_painter.h"

#include "ui/fit_chart_math.h"

#include <QFontMetricsF>
#include <QPainter>
#include <cmath>

namespace {

constexpr int kMaxTicks = 6;

QString gpuLabel(const FitGpuLine& g) {
    if (g.usableBytes == g.cardBytes)
        return QStringLiteral("%1 (%2)").arg(g.name, formatBytes(double(g.cardBytes)));
    return QStringLiteral("%1 (%2 usable)").arg(g.name, formatBytes(double(g.usableBytes)));
}

} // namespace

QString fitPartName(FitPart part) {
    switch (part) {
    case FitPart::Weights:
        return QStringLiteral("weights");
    case FitPart::Metadata:
        return QStringLiteral("quantization metadata");
    case FitPart::KvCache:
        return QStringLiteral("KV cache");
    case FitPart::Activations:
        return QStringLiteral("activations");
    case FitPart::Overhead:
        return QStringLiteral("runtime overhead");
    }
    return {};
}

quint64 FitBar::total() const {
    quint64 t = 0;
    for (quint64 b : parts)
        t += b;
    return t;
}

double FitChartData::largestBytes() const {
    const double bar = largestBar();
    double top = bar;
    for (const FitGpuLine& g : gpus)
        if (!offScale(g))
            top = std::max(top, double(g.cardBytes));
    return top;
}

double FitChartData::largestBar() const {
    double top = 0;
    for (const FitBar& b : bars)
        top = std::max(top, double(b.total()));
    return top;
}

bool FitChartData::offScale(const FitGpuLine& gpu) const {
    // A card many times larger than every bar would squash the bars to nothing.
    const double bar = largestBar();
    return bar > 0 && double(gpu.usableBytes) > kOffScaleFactor * bar;
}

FitChartPainter::FitChartPainter(const FitChartData& data)
    : m_data(data) {
    const double largest = std::max(data.largestBytes(), 1.0);
    m_ticks = byteTicks(largest, kMaxTicks);
    m_unit = chooseByteUnit(largest);
    m_top = m_ticks.back() > 0 ? m_ticks.back() : 1.0;
}

QColor FitChartPainter::partColor(FitPart part) {
    // Okabe-Ito: told apart with every common colour-vision deficiency.
    static const std::array<QColor, kFitPartCount> colours{
        QColor(0x00, 0x72, 0xb2), QColor(0x56, 0xb4, 0xe9), QColor(0xe6, 0x9f, 0x00),
        QColor(0x00, 0x9e, 0x73), QColor(0x99, 0x99, 0x99)};
    return colours[size_t(part)];
}

QColor FitChartPainter::gpuColor(int index) {
    static const std::array<QColor, 4> colours{QColor(0xd5, 0x5e, 0x00), QColor(0xcc, 0x79, 0xa7),
                                               QColor(0x6a, 0x3d, 0x9a), QColor(0x33, 0x33, 0x33)};
    return colours[size_t(index) % colours.size()];
}

FitChartLayout FitChartPainter::layout(const QRectF& rect) const {
    const QFontMetricsF fm(font);
    FitChartLayoutInput in;
    in.area = rect;
    in.bars = int(m_data.bars.size());
    in.lineHeight = fm.lineSpacing();
    const double step = m_ticks.size() > 1 ? m_ticks[1] : m_top;
    in.axisLabelWidth =
        fm.horizontalAdvance(formatInUnit(m_top, m_unit, step) + " " + m_unit.suffix);
    in.barLabelWidth = 0;
    for (const FitBar& b : m_data.bars)
        in.barLabelWidth = std::max(in.barLabelWidth, fm.horizontalAdvance(b.variant));
    in.gpuLabelWidth = 0; // GPU labels sit inside the plot, above their lines
    return layoutFitChart(in);
}

double FitChartPainter::yOf(const FitChartLayout& l, double bytes) const {
    return valueToPixel(bytes, 0, m_top, l.plot.bottom(), l.plot.top());
}

int FitChartPainter::barAt(const QRectF& rect, const QPointF& point) const {
    const FitChartLayout l = layout(rect);
    for (int i = 0; i < m_data.bars.size(); ++i) {
        const QRectF slot = l.barSlot(i);
        if (slot.adjusted(0, 0, 0, l.labels.height()).contains(point))
            return i;
    }
    return -1;
}

void FitChartPainter::paint(QPainter& p, const QRectF& rect) const {
    p.save();
    p.setRenderHint(QPainter::Antialiasing, false);
    p.setFont(font);
    p.fillRect(rect, background);
    const FitChartLayout l = layout(rect);
    QFont bold = font;
    bold.setBold(true);
    p.setFont(bold);
    p.setPen(foreground);
    p.drawText(l.title, Qt::AlignLeft | Qt::AlignVCenter,
               QFontMetricsF(bold).elidedText(m_data.title, Qt::ElideRight, l.title.width()));
    p.setFont(font);
    paintAxis(p, l);
    paintBars(p, l);
    paintGpuLines(p, l);
    paintLabels(p, l);
    paintLegend(p, l);
    p.restore();
}

void FitChartPainter::paintAxis(QPainter& p, const FitChartLayout& l) const {
    const double step = m_ticks.size() > 1 ? m_ticks[1] : m_top;
    const QFontMetricsF fm(font);
    for (double t : m_ticks) {
        const double y = yOf(l, t);
        p.setPen(QPen(grid, 1));
        p.drawLine(QPointF(l.plot.left(), y), QPointF(l.plot.right(), y));
        p.setPen(foreground);
        const QRectF box(l.axis.left(), y - fm.height() / 2, l.axis.width(), fm.height());
        p.drawText(box, Qt::AlignRight | Qt::AlignVCenter,
                   formatInUnit(t, m_unit, step) + QLatin1Char(' ') + m_unit.suffix);
    }
    p.setPen(QPen(foreground, 1));
    p.drawLine(l.plot.bottomLeft(), l.plot.bottomRight());
}

void FitChartPainter::paintBars(QPainter& p, const FitChartLayout& l) const {
    const QFontMetricsF fm(font);
    for (int i = 0; i < m_data.bars.size(); ++i) {
        const FitBar& bar = m_data.bars[i];
        const QRectF slot = l.barSlot(i);
        const double x = slot.center().x() - l.barWidth / 2;
        if (!bar.error.isEmpty()) {
            p.setPen(foreground);
            p.drawText(QRectF(slot.left(), l.plot.bottom() - fm.height() * 2.2, slot.width(),
                              fm.height() * 2),
                       Qt::AlignCenter, QStringLiteral("cannot size"));
            continue;
        }
        double below = 0;
        for (int k = 0; k < kFitPartCount; ++k) {
            const double bytes = double(bar.parts[size_t(k)]);
            const double y0 = yOf(l, below), y1 = yOf(l, below + bytes);
            p.fillRect(QRectF(x, y1, l.barWidth, y0 - y1), partColor(FitPart(k)));
            below += bytes;
        }
        p.setPen(foreground);
        const double top = yOf(l, below);
        p.drawText(QRectF(slot.left(), top - fm.height() - 2, slot.width(), fm.height()),
                   Qt::AlignHCenter | Qt::AlignBottom,
                   fm.elidedText(formatBytes(below), Qt::ElideRight, slot.width()));
    }
}

void FitChartPainter::paintGpuLines(QPainter& p, const FitChartLayout& l) const {
    const QFontMetricsF fm(font);
    // Labels sit just above their line, right-aligned; lines closer than a text line
    // apart push the upper label further up, so no two labels overlap.
    QList<int> order;
    for (int i = 0; i < m_data.gpus.size(); ++i)
        order.append(i);
    std::sort(order.begin(), order.end(), [this](int a, int b) {
        return m_data.gpus[a].usableBytes < m_data.gpus[b].usableBytes;
    });
    double lastBottom = 1e9;
    QStringList offScale;
    for (int i : order) {
        const FitGpuLine& g = m_data.gpus[i];
        if (m_data.offScale(g)) {
            offScale.append(gpuLabel(g));
            continue;
        }
        const double y = yOf(l, double(g.usableBytes));
        p.setPen(QPen(gpuColor(i), 2, Qt::DashLine));
        p.drawLine(QPointF(l.plot.left(), y), QPointF(l.plot.right(), y));
        const double bottom = std::min(y - 2, lastBottom - fm.height());
        lastBottom = bottom;
        const QRectF box(l.plot.left(), bottom - fm.height(), l.plot.width() - 2, fm.height());
        const QString text = fm.elidedText(gpuLabel(g), Qt::ElideRight, box.width());
        const double w = fm.horizontalAdvance(text);
        p.fillRect(QRectF(box.right() - w - 2, box.top(), w + 4, box.height()), background);
        p.setPen(gpuColor(i));
        p.drawText(box, Qt::AlignRight | Qt::AlignVCenter, text);
    }
    if (offScale.isEmpty())
        return;
    p.setPen(foreground);
    const QRectF note(l.plot.left(), l.title.bottom(), l.plot.width(), fm.height());
    p.drawText(note, Qt::AlignRight | Qt::AlignVCenter,
               fm.elidedText(QStringLiteral("\u2191 off the scale: ") + offScale.join("; "),
                             Qt::ElideRight, note.width()));
}

void FitChartPainter::paintLabels(QPainter& p, const FitChartLayout& l) const {
    const QFontMetricsF fm(font);
    p.setPen(foreground);
    for (int i = 0; i < m_data.bars.size(); ++i) {
        const QRectF slot = l.barSlot(i);
        const QString text = m_data.bars[i].variant;
        if (!l.rotateLabels) {
            p.drawText(QRectF(slot.left(), l.labels.top(), slot.width(), l.labels.height()),
                       Qt::AlignHCenter | Qt::AlignTop,
                       fm.elidedText(text, Qt::ElideMiddle, slot.width()));
            continue;
        }
        p.save();
        p.translate(slot.center().x(), l.labels.top() + 2);
        p.rotate(-90);
        const QRectF box(-l.labels.height(), -fm.height() / 2, l.labels.height() - 2, fm.height());
        p.drawText(box, Qt::AlignRight | Qt::AlignVCenter,
                   fm.elidedText(text, Qt::ElideMiddle, box.width()));
        p.restore();
    }
}

void FitChartPainter::paintLegend(QPainter& p, const FitChartLayout& l) const {
    const QFontMetricsF fm(font);
    double x = l.legend.left(), y = l.legend.top();
    const double box = fm.height() * 0.7;
    for (int k = 0; k < kFitPartCount; ++k) {
        const QString name = fitPartName(FitPart(k));
        const double w = box + 4 + fm.horizontalAdvance(name) + 14;
        if (x > l.legend.left() && x + w > l.legend.right() + 14) { // wrap to a second line
            x = l.legend.left();
            y += fm.height();
        }
        p.fillRect(QRectF(x, y + (fm.height() - box) / 2, box, box), partColor(FitPart(k)));
        p.setPen(foreground);
        p.drawText(QRectF(x + box + 4, y, w, fm.height()), Qt::AlignLeft | Qt::AlignVCenter, name);
        x += w;
    }
}

QString FitChartPainter::tooltip(int index) const {
    const FitBar& b = m_data.bars[index];
    QString t = QStringLiteral("<b>%1</b> as %2%3<br>")
                    .arg(b.variant.toHtmlEscaped(), b.format.toHtmlEscaped(),
                         b.formatGuessed ? QStringLiteral(" (guessed from the name)") : QString());
    if (!b.error.isEmpty())
        return t + b.error.toHtmlEscaped();
    for (int k = 0; k < kFitPartCount; ++k)
        t += QStringLiteral("%1: %2<br>")
                 .arg(fitPartName(FitPart(k)), formatBytes(double(b.parts[size_t(k)])));
    t += QStringLiteral("<b>total: %1</b>").arg(formatBytes(double(b.total())));
    for (const FitGpuLine& g : m_data.gpus) {
        const double head = double(g.usableBytes) - double(b.total());
        t += QStringLiteral("<br>%1: %2 (%3 %4)")
                 .arg(g.name.toHtmlEscaped(), head >= 0 ? QStringLiteral("fits") : "does not fit",
                      formatBytes(std::fabs(head)),
                      head >= 0 ? QStringLiteral("to spare") : QStringLiteral("short"));
    }
    return t;
}
