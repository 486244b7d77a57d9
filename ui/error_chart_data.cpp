#include "ui/error_chart_data.h"

#include <QCoreApplication>
#include <algorithm>

namespace {

QString legendLabel(const VariantErrors& v) {
    return QStringLiteral("%1 (%2 bits/weight)").arg(v.label()).arg(v.bitsPerWeight(), 0, 'f', 2);
}

void trackRange(ErrorChartData& data, double value) {
    data.maxValue = std::max(data.maxValue, value);
    if (value > 0 && (data.minPositive == 0 || value < data.minPositive))
        data.minPositive = value;
}

} // namespace

ErrorChartData buildErrorChartData(const VariantList& variants, ErrorMetric metric) {
    std::vector<std::vector<LayerError>> perVariant;
    for (const VariantErrors& v : variants)
        perVariant.push_back(aggregateByLayer(v.tensors, metric));
    const std::vector<LayerKey> layers = unionOfLayers(perVariant);

    ErrorChartData data;
    for (const LayerKey& key : layers)
        data.categories << QString::fromStdString(key.label());
    for (qsizetype i = 0; i < variants.size(); ++i) {
        ChartSeriesData series{variants[i].id, legendLabel(variants[i]), {}};
        for (const LayerKey& key : layers) {
            series.values << valueAt(perVariant[size_t(i)], key);
            trackRange(data, series.values.back());
        }
        data.series << series;
    }
    return data;
}

QString metricTitle(ErrorMetric metric) {
    return metric == ErrorMetric::Rmse
               ? QCoreApplication::translate("ErrorChart", "RMSE")
               : QCoreApplication::translate("ErrorChart", "Relative Frobenius error");
}
