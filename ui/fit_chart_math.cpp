#include "ui/fit_chart_math.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace {

constexpr std::array<const char*, 5> kUnits{"B", "KiB", "MiB", "GiB", "TiB"};

QString trimmedNumber(double value, int decimals) {
    QString s = QString::number(value, 'f', decimals);
    if (s.contains('.')) {
        while (s.endsWith('0'))
            s.chop(1);
        if (s.endsWith('.'))
            s.chop(1);
    }
    return s;
}

int decimalsFor(double value) {
    const double a = std::fabs(value);
    return a < 100 ? 2 : a < 1000 ? 1 : 0;
}

} // namespace

ByteUnit chooseByteUnit(double largestBytes) {
    size_t i = 0;
    double scale = 1;
    while (i + 1 < kUnits.size() && largestBytes >= scale * 1024) {
        scale *= 1024;
        ++i;
    }
    return {scale, QString::fromLatin1(kUnits[i])};
}

QString formatBytes(double bytes) {
    const ByteUnit u = chooseByteUnit(std::fabs(bytes));
    const double v = bytes / u.bytes;
    return trimmedNumber(v, u.bytes == 1 ? 0 : decimalsFor(v)) + QLatin1Char(' ') + u.suffix;
}

QString formatInUnit(double bytes, const ByteUnit& unit, double step) {
    // Enough decimals to tell two neighbouring ticks apart.
    const double s = step / unit.bytes;
    const int decimals = s >= 1 ? 0 : int(std::ceil(-std::log10(s) - 1e-9));
    return trimmedNumber(bytes / unit.bytes, std::clamp(decimals, 0, 6));
}

QList<double> niceTicks(double top, int maxTicks) {
    QList<double> out{0.0};
    if (!(top > 0) || maxTicks < 1)
        return out;
    const double raw = top / maxTicks;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double step = magnitude * 10;
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * magnitude >= raw - 1e-12 * raw) {
            step = m * magnitude;
            break;
        }
    for (int i = 1; out.back() < top - 1e-9 * top; ++i)
        out.append(i * step);
    return out;
}

QList<double> byteTicks(double topBytes, int maxTicks) {
    const ByteUnit unit = chooseByteUnit(topBytes);
    QList<double> ticks = niceTicks(topBytes / unit.bytes, maxTicks);
    for (double& t : ticks)
        t *= unit.bytes;
    return ticks;
}

double valueToPixel(double value, double lo, double hi, double pixLo, double pixHi) {
    if (hi == lo)
        return pixLo;
    return pixLo + (value - lo) / (hi - lo) * (pixHi - pixLo);
}

QRectF FitChartLayout::barSlot(int index) const {
    return {plot.left() + index * slotWidth, plot.top(), slotWidth, plot.height()};
}

FitChartLayout layoutFitChart(const FitChartLayoutInput& in) {
    FitChartLayout l;
    const double pad = std::round(in.lineHeight * 0.5);
    const QRectF a = in.area.adjusted(pad, pad, -pad, -pad);
    const int bars = std::max(in.bars, 1);
    l.title = QRectF(a.left(), a.top(), a.width(), in.lineHeight * 1.4);
    // Two lines: the five part names wrap on a narrow chart.
    l.legend = QRectF(a.left(), a.bottom() - in.lineHeight * 2.2, a.width(), in.lineHeight * 2.2);
    const double axisWidth = in.axisLabelWidth + pad;
    // GPU line labels sit right of the plot, so they never cover a bar.
    const double right = std::min(in.gpuLabelWidth + pad, a.width() * 0.3);
    const double plotWidth = std::max(a.width() - axisWidth - right, 1.0);
    l.slotWidth = plotWidth / bars;
    l.barWidth = std::min(l.slotWidth * 0.62, in.lineHeight * 5);
    l.rotateLabels = in.barLabelWidth + pad > l.slotWidth;
    const double labelHeight =
        l.rotateLabels ? std::min(in.barLabelWidth + pad, a.height() * 0.3) : in.lineHeight * 1.4;
    // Room above the plot for the total printed over the tallest bar.
    const double top = l.title.bottom() + in.lineHeight * 1.2;
    const double bottom = l.legend.top() - labelHeight - pad * 0.5;
    l.plot = QRectF(a.left() + axisWidth, top, plotWidth, std::max(bottom - top, 1.0));
    l.axis = QRectF(a.left(), top, in.axisLabelWidth, l.plot.height());
    l.labels = QRectF(l.plot.left(), l.plot.bottom() + pad * 0.5, plotWidth, labelHeight);
    return l;
}
