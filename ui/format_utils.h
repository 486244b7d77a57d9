#pragma once
// How numbers are shown to people. Kept apart from the item models so that the
// table, the summary panel and the chart tooltips say the same thing the same way.
#include <QList>
#include <QString>

// "1.5 MiB", "912 B": binary units, because tensor sizes are powers of two apart.
QString humanBytes(quint64 bytes);
// "12 345 678": thin groups, as the engine's messages print them.
QString groupedCount(qint64 value);
// "512 x 64" (outermost first); "scalar" for an empty shape.
QString shapeText(const QList<qint64>& shape);
// "7.24M", "260K": compact parameter counts for headings.
QString compactCount(qint64 value);
