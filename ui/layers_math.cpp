#include "ui/layers_math.h"

#include <QMap>
#include <algorithm>
#include <cmath>
#include <functional>

namespace {

// Categories of every variant, in model order (each row carries its model order); for
// output errors only the groups with a measured layer (an untied embedding has none).
QStringList unionInModelOrder(const LayersData& data, LayerGrouping g, LayerFigure f) {
    QMap<QString, int> order;
    for (const VariantLayers& v : data)
        for (const LayerGroupRow& row : groupsOf(v, g))
            if (f == LayerFigure::OutputError && !row.outputMeasured)
                continue;
            else if (!order.contains(row.group) || row.modelOrder < order[row.group])
                order[row.group] = row.modelOrder;
    QStringList names = order.keys();
    std::stable_sort(names.begin(), names.end(), [&](const QString& a, const QString& b) {
        return order[a] != order[b] ? order[a] < order[b] : a < b;
    });
    return names;
}

double valueFor(const VariantLayers& v, LayerGrouping g, const QString& group, LayerFigure f) {
    for (const LayerGroupRow& row : groupsOf(v, g))
        if (row.group == group)
            return figureOf(row, f);
    return 0.0;
}

} // namespace

const QList<LayerGroupRow>& groupsOf(const VariantLayers& v, LayerGrouping g) {
    return g == LayerGrouping::Block ? v.blocks : v.kinds;
}

double figureOf(const LayerGroupRow& row, LayerFigure f) {
    switch (f) {
    case LayerFigure::Share:
        return row.share;
    case LayerFigure::RelFrobenius:
        return row.relFrobenius;
    case LayerFigure::OutputError:
        return row.outputMeasured ? row.outputError : 0.0;
    }
    return 0.0;
}

bool hasFigure(const VariantLayers& v, LayerFigure f) {
    return f != LayerFigure::OutputError || !v.calibration.isEmpty();
}

LayerChart buildLayerChart(const LayersData& all, LayerGrouping g, LayerFigure f) {
    LayersData data;
    for (const VariantLayers& v : all)
        if (hasFigure(v, f))
            data << v;
    LayerChart chart;
    chart.categories = unionInModelOrder(data, g, f);
    for (const VariantLayers& v : data) {
        LayerSeries s{
            v.id, QStringLiteral("%1 (%2 bpw)").arg(v.label).arg(v.bitsPerWeight, 0, 'f', 2), {}};
        for (const QString& group : chart.categories) {
            const double value = valueFor(v, g, group, f);
            s.values << value;
            chart.maxValue = std::max(chart.maxValue, value);
            if (value > 0 && (chart.minPositive == 0 || value < chart.minPositive))
                chart.minPositive = value;
        }
        chart.series << s;
    }
    return chart;
}

double CountScale::toY(double count, const QRectF& plot) const {
    const double top = log ? std::log10(1.0 + maxCount) : maxCount;
    const double v = log ? std::log10(1.0 + std::max(0.0, count)) : std::max(0.0, count);
    const double frac = top > 0 ? std::min(1.0, v / top) : 0.0;
    return plot.bottom() - frac * plot.height();
}

QList<QRectF> histogramBars(const QList<qint64>& counts, const QRectF& plot,
                            const CountScale& scale) {
    QList<QRectF> bars;
    const int n = int(counts.size());
    for (int i = 0; i < n; ++i) {
        const double x0 = binX(n, i, 0.0, plot), x1 = binX(n, i, 1.0, plot);
        const double y = scale.toY(double(counts[i]), plot);
        bars << QRectF(QPointF(x0, y), QPointF(x1, plot.bottom()));
    }
    return bars;
}

double binX(int bins, int bin, double t, const QRectF& plot) {
    return bins > 0 ? plot.left() + (double(bin) + t) * plot.width() / double(bins) : plot.left();
}

double valueToX(const QList<double>& edges, double value, const QRectF& plot, bool logBins) {
    const int bins = int(edges.size()) - 1;
    if (bins <= 0)
        return plot.left();
    const auto it = std::upper_bound(edges.begin() + 1, edges.end() - 1, value);
    const int bin = int(it - edges.begin()) - 1;
    const double lo = edges[bin], hi = edges[bin + 1];
    if (!std::isfinite(lo) || !std::isfinite(hi))
        return binX(bins, bin, 0.5, plot); // open bins: their middle
    double t = hi > lo ? (value - lo) / (hi - lo) : 0.0;
    if (logBins && lo > 0 && value > 0)
        t = std::log(value / lo) / std::log(hi / lo);
    return binX(bins, bin, std::clamp(t, 0.0, 1.0), plot);
}

QList<bool> outlierBins(const QList<double>& edges, double k) {
    QList<bool> out;
    for (qsizetype i = 0; i + 1 < edges.size(); ++i)
        out << (edges[i] >= k || edges[i + 1] <= -k);
    return out;
}

namespace {

bool isWholeDecade(double edge) {
    if (!(edge > 0) || std::isinf(edge))
        return false;
    const double decade = std::log10(edge);
    return std::fabs(decade - std::round(decade)) < 1e-9;
}

bool isMultiple(double edge, double step) {
    const double q = edge / step;
    return std::isfinite(edge) && std::fabs(q - std::round(q)) < 1e-9;
}

QList<int> edgesWhere(const QList<double>& edges, const std::function<bool(double)>& keep) {
    QList<int> out;
    for (qsizetype i = 0; i < edges.size(); ++i)
        if (keep(edges[i]))
            out << int(i);
    return out;
}

} // namespace

QList<int> labelledEdges(const QList<double>& edges, bool logBins, int maxLabels) {
    if (logBins) {
        QList<int> decades = edgesWhere(edges, [](double e) { return e == 0 || isWholeDecade(e); });
        for (int stride = 2; decades.size() > maxLabels; ++stride)
            decades = edgesWhere(edges, [&](double e) {
                return e == 0 || (isWholeDecade(e) && int(std::round(std::log10(e))) % stride == 0);
            });
        return decades;
    }
    for (double step : {0.25, 0.5, 1.0, 2.0, 4.0, 5.0, 10.0, 20.0, 50.0, 100.0}) {
        const QList<int> out = edgesWhere(edges, [&](double e) { return isMultiple(e, step); });
        if (out.size() <= maxLabels)
            return out;
    }
    return {};
}

QString edgeLabel(double edge) {
    if (std::isinf(edge))
        return edge > 0 ? QStringLiteral("+inf") : QStringLiteral("-inf");
    if (edge == 0)
        return QStringLiteral("0");
    const double decade = std::log10(std::fabs(edge));
    if (std::fabs(decade - std::round(decade)) < 1e-9 && std::fabs(decade) >= 3)
        return QStringLiteral("1e%1").arg(int(std::round(decade)));
    return QString::number(edge, 'g', 2);
}
