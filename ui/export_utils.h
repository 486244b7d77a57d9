#pragma once
// Exports shared by every chart and table: a chart painter's output as PNG or SVG, a
// table as CSV, and the clipboard (the chart image, the table selection as text that
// spreadsheets paste into cells).
#include <QImage>
#include <QList>
#include <QString>
#include <functional>

class QAbstractItemModel;
class QPainter;
class QRectF;
class QSize;
class QTableView;
class QWidget;

using PaintFn = std::function<void(QPainter&, const QRectF&)>;

// The chart at `size` logical pixels and `scale` device pixels per logical one.
QImage renderChart(const PaintFn& paint, const QSize& size, double scale = 2.0);
// By the file's suffix: .png (at 2x) or .svg. Returns an empty string or the error.
QString exportChart(const PaintFn& paint, const QSize& size, const QString& path,
                    const QString& title);
void copyChartToClipboard(const PaintFn& paint, const QSize& size);

// One field as RFC 4180 writes it: quoted when it holds a comma, quote or line break.
QString csvField(const QString& text);
// Header and every row of the model (display role), joined by `separator`.
QString tableText(const QAbstractItemModel& model, QChar separator, const QList<int>& rows = {},
                  const QList<int>& columns = {});
// Writes tableText(model, ',') to `path`; returns an empty string or the error.
QString exportCsv(const QAbstractItemModel& model, const QString& path);

// Adds Copy (Ctrl+C: the selected rows as tab-separated text) and Export CSV… to a
// table view's context menu.
void installTableExport(QTableView* view, const QString& defaultName);
// Adds Copy Image (Ctrl+C), Export PNG… and Export SVG… to a chart widget.
void installChartExport(QWidget* widget, const std::function<PaintFn()>& paint,
                        const QString& defaultName);
