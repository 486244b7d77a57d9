#include "ui/report_format.h"

#include "ui/heatmap_math.h"

#include <cmath>

QString deltaText(double delta, double baseline) {
    QString s = formatDelta(delta);
    if (baseline != 0.0 && delta != 0.0) {
        const double pct = 100.0 * delta / std::fabs(baseline);
        s += QStringLiteral(" (%1%2 %)")
                 .arg(pct > 0 ? QStringLiteral("+") : QStringLiteral("\u2212"))
                 .arg(std::fabs(pct), 0, 'f', std::fabs(pct) < 10 ? 1 : 0);
    }
    return s;
}
