#pragma once
// The VRAM-fit chart on screen: FitChartPainter into the widget, a tooltip per bar, and
// the chart exports (Copy Image, PNG, SVG) in its context menu.
#include "ui/fit_chart_painter.h"

#include <QWidget>

class FitChartWidget : public QWidget {
    Q_OBJECT
public:
    explicit FitChartWidget(QWidget* parent = nullptr);

    void setData(const FitChartData& data);
    const FitChartData& data() const { return m_data; }
    void paintTo(QPainter& painter, const QRectF& rect) const;
    QSize sizeHint() const override { return {480, 420}; }

protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override;

private:
    FitChartData m_data;
};
