#include "ui/heatmap_widget.h"

#include "ui/export_utils.h"

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

HeatmapWidget::HeatmapWidget(QWidget* parent)
    : QWidget(parent) {
    setMinimumSize(240, 200);
    setFocusPolicy(Qt::StrongFocus); // so that Ctrl+C reaches it
    setAccessibleName(tr("Regression heatmap"));
    installChartExport(
        this,
        [this]() -> PaintFn { return [this](QPainter& p, const QRectF& r) { paintTo(p, r); }; },
        QStringLiteral("heatmap"));
}

void HeatmapWidget::setData(const HeatmapData& data) {
    m_data = data;
    update();
}

void HeatmapWidget::paintTo(QPainter& painter, const QRectF& rect) const {
    HeatmapPainter hp(m_data);
    hp.font = font();
    hp.paint(painter, rect);
}

void HeatmapWidget::paintEvent(QPaintEvent*) {
    QPainter p(this);
    paintTo(p, rect());
}

bool HeatmapWidget::event(QEvent* event) {
    if (event->type() != QEvent::ToolTip)
        return QWidget::event(event);
    auto* help = static_cast<QHelpEvent*>(event);
    HeatmapPainter hp(m_data);
    hp.font = font();
    if (const auto cell = hp.cellAt(rect(), help->pos()))
        QToolTip::showText(help->globalPos(), hp.tooltip(cell->first, cell->second), this);
    else
        QToolTip::hideText();
    return true;
}
