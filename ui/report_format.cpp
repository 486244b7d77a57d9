#include "ui/report_format.h"

#include "ui/heatmap_math.h"

#include <cmath>

QString relativeText(double delta, double baseline) {
    if (baseline == 0.0 || delta == 0.0)
        return {};
    const double pct = 100.0 * delta / std::fabs(baseline);
    return QStringLiteral("%1%2 %")
        .arg(pct > 0 ? QStringLiteral("+") : QStringLiteral("\u2212"))
        .arg(std::fabs(pct), 0, 'f', std::fabs(pct) < 10 ? 1 : 0);
}

QString deltaText(double delta, double baseline) {
    const QString rel = relativeText(delta, baseline);
    return rel.isEmpty() ? formatDelta(delta) : formatDelta(delta) + " (" + rel + ")";
}
