#include "ui/format_utils.h"

#include <QStringList>
#include <array>

QString humanBytes(quint64 bytes) {
    static constexpr std::array<const char*, 5> units{"KiB", "MiB", "GiB", "TiB", "PiB"};
    if (bytes < 1024)
        return QStringLiteral("%1 B").arg(bytes);
    double value = double(bytes);
    size_t unit = 0;
    for (value /= 1024.0; value >= 1024.0 && unit + 1 < units.size(); value /= 1024.0)
        ++unit;
    // Three significant digits are enough to compare sizes at a glance.
    const int decimals = value < 10 ? 2 : value < 100 ? 1 : 0;
    return QStringLiteral("%1 %2").arg(value, 0, 'f', decimals).arg(units[unit]);
}

QString groupedCount(qint64 value) {
    QString digits = QString::number(value < 0 ? -value : value);
    for (qsizetype i = digits.size() - 3; i > 0; i -= 3)
        digits.insert(i, QChar(' '));
    return value < 0 ? QStringLiteral("-") + digits : digits;
}

QString shapeText(const QList<qint64>& shape) {
    if (shape.isEmpty())
        return QStringLiteral("scalar");
    QStringList parts;
    for (qint64 d : shape)
        parts << QString::number(d);
    return parts.join(QStringLiteral(" \u00d7 "));
}

QString compactCount(qint64 value) {
    static constexpr std::array<std::pair<double, const char*>, 3> scales{
        {{1e9, "B"}, {1e6, "M"}, {1e3, "K"}}};
    for (const auto& [scale, suffix] : scales) {
        if (double(value) >= scale) {
            const double v = double(value) / scale;
            return QString::number(v, 'f', v < 10 ? 2 : v < 100 ? 1 : 0) + suffix;
        }
    }
    return QString::number(value);
}
