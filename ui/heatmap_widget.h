#pragma once
// The heatmap on screen: HeatmapPainter into the widget, a tooltip per cell, and the
// chart exports (Copy Image, PNG, SVG) in its context menu.
#include "ui/heatmap_painter.h"

#include <QWidget>

class HeatmapWidget : public QWidget {
    Q_OBJECT
public:
    explicit HeatmapWidget(QWidget* parent = nullptr);

    void setData(const HeatmapData& data);
    const HeatmapData& data() const { return m_data; }
    // Paints the current data into any painter (exports, the report, benchmarks).
    void paintTo(QPainter& painter, const QRectF& rect) const;
    QSize sizeHint() const override { return {560, 420}; }

protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override;

private:
    HeatmapData m_data;
};
