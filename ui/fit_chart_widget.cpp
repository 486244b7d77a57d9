#include "ui/fit_chart_widget.h"

#include "ui/export_utils.h"

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

FitChartWidget::FitChartWidget(QWidget* parent)
    : QWidget(parent) {
    setMinimumSize(240, 200);
    setFocusPolicy(Qt::StrongFocus);
    setAccessibleName(tr("VRAM-fit chart"));
    installChartExport(
        this,
        [this]() -> PaintFn { return [this](QPainter& p, const QRectF& r) { paintTo(p, r); }; },
        QStringLiteral("vram-fit"));
}

void FitChartWidget::setData(const FitChartData& data) {
    m_data = data;
    update();
}

void FitChartWidget::paintTo(QPainter& painter, const QRectF& rect) const {
    FitChartPainter fp(m_data);
    fp.font = font();
    fp.paint(painter, rect);
}

void FitChartWidget::paintEvent(QPaintEvent*) {
    QPainter p(this);
    paintTo(p, rect());
}

bool FitChartWidget::event(QEvent* event) {
    if (event->type() != QEvent::ToolTip)
        return QWidget::event(event);
    auto* help = static_cast<QHelpEvent*>(event);
    FitChartPainter fp(m_data);
    fp.font = font();
    const int bar = fp.barAt(rect(), help->pos());
    if (bar >= 0)
        QToolTip::showText(help->globalPos(), fp.tooltip(bar), this);
    else
        QToolTip::hideText();
    return true;
}
