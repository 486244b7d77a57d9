#include "ui/export_utils.h"

#include <QAbstractItemModel>
#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QItemSelectionModel>
#include <QMessageBox>
#include <QPainter>
#include <QSvgGenerator>
#include <QTableView>
#include <QTextStream>
#include <algorithm>

QImage renderChart(const PaintFn& paint, const QSize& size, double scale) {
    QImage image(size * scale, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(scale);
    image.fill(Qt::white);
    QPainter p(&image);
    p.setRenderHint(QPainter::TextAntialiasing);
    paint(p, QRectF(QPointF(0, 0), QSizeF(size)));
    return image;
}

QString exportChart(const PaintFn& paint, const QSize& size, const QString& path,
                    const QString& title) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("svg")) {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(size);
        svg.setViewBox(QRect(QPoint(0, 0), size));
        svg.setTitle(title);
        QPainter p;
        if (!p.begin(&svg))
            return QObject::tr("%1: cannot be written").arg(path);
        paint(p, QRectF(QPointF(0, 0), QSizeF(size)));
        return p.end() ? QString() : QObject::tr("%1: cannot be written").arg(path);
    }
    if (suffix != QLatin1String("png"))
        return QObject::tr("%1: charts export as .png or .svg").arg(path);
    return renderChart(paint, size).save(path, "PNG")
               ? QString()
               : QObject::tr("%1: cannot be written").arg(path);
}

void copyChartToClipboard(const PaintFn& paint, const QSize& size) {
    QApplication::clipboard()->setImage(renderChart(paint, size));
}

QString csvField(const QString& text) {
    static const QString special = QStringLiteral(",\"\n\r");
    if (std::none_of(text.begin(), text.end(), [](QChar c) { return special.contains(c); }))
        return text;
    QString quoted = text;
    quoted.replace(QLatin1Char('"'), QLatin1String("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

QString tableText(const QAbstractItemModel& model, QChar separator, const QList<int>& rows,
                  const QList<int>& columns) {
    QList<int> cols = columns, rs = rows;
    if (cols.isEmpty())
        for (int c = 0; c < model.columnCount(); ++c)
            cols.append(c);
    if (rs.isEmpty())
        for (int r = 0; r < model.rowCount(); ++r)
            rs.append(r);
    const auto field = [separator](const QString& s) {
        return separator == QLatin1Char(',') ? csvField(s) : QString(s).replace(separator, ' ');
    };
    QStringList lines, cells;
    for (int c : cols)
        cells << field(model.headerData(c, Qt::Horizontal).toString());
    lines << cells.join(separator);
    for (int r : rs) {
        cells.clear();
        for (int c : cols)
            cells << field(model.index(r, c).data().toString());
        lines << cells.join(separator);
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

QString exportCsv(const QAbstractItemModel& model, const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return QObject::tr("%1: %2").arg(path, file.errorString());
    const QByteArray bytes = tableText(model, QLatin1Char(',')).toUtf8();
    return file.write(bytes) == bytes.size() ? QString()
                                             : QObject::tr("%1: %2").arg(path, file.errorString());
}

namespace {

QList<int> selectedRows(const QTableView* view) {
    QList<int> rows;
    if (view->selectionModel())
        for (const QModelIndex& i : view->selectionModel()->selectedIndexes())
            if (!rows.contains(i.row()))
                rows.append(i.row());
    std::sort(rows.begin(), rows.end());
    return rows;
}

void reportError(QWidget* parent, const QString& error) {
    if (!error.isEmpty())
        QMessageBox::warning(parent, QObject::tr("Export failed"), error);
}

} // namespace

void installTableExport(QTableView* view, const QString& defaultName) {
    auto* copy = new QAction(QObject::tr("&Copy"), view);
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    QObject::connect(copy, &QAction::triggered, view, [view] {
        const QList<int> rows = selectedRows(view);
        if (view->model() && !rows.isEmpty())
            QApplication::clipboard()->setText(tableText(*view->model(), '\t', rows));
    });
    auto* csv = new QAction(QObject::tr("Export &CSV\u2026"), view);
    QObject::connect(csv, &QAction::triggered, view, [view, defaultName] {
        const QString path = QFileDialog::getSaveFileName(view, QObject::tr("Export CSV"),
                                                          defaultName + ".csv", "CSV (*.csv)");
        if (!path.isEmpty() && view->model())
            reportError(view, exportCsv(*view->model(), path));
    });
    view->addActions({copy, csv});
    view->setContextMenuPolicy(Qt::ActionsContextMenu);
}

void installChartExport(QWidget* widget, const std::function<PaintFn()>& paint,
                        const QString& defaultName) {
    auto* copy = new QAction(QObject::tr("&Copy Image"), widget);
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    QObject::connect(copy, &QAction::triggered, widget,
                     [widget, paint] { copyChartToClipboard(paint(), widget->size()); });
    widget->addAction(copy);
    for (const QString& kind : {QStringLiteral("PNG"), QStringLiteral("SVG")}) {
        auto* a = new QAction(QObject::tr("Export %1\u2026").arg(kind), widget);
        QObject::connect(a, &QAction::triggered, widget, [widget, paint, kind, defaultName] {
            const QString suffix = kind.toLower();
            const QString path = QFileDialog::getSaveFileName(
                widget, QObject::tr("Export %1").arg(kind), defaultName + "." + suffix,
                QStringLiteral("%1 (*.%2)").arg(kind, suffix));
            if (!path.isEmpty())
                reportError(widget, exportChart(paint(), widget->size(), path, defaultName));
        });
        widget->addAction(a);
    }
    widget->setContextMenuPolicy(Qt::ActionsContextMenu);
}
