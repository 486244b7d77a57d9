#pragma once
// Per-layer error of every variant side by side: one bar set per variant, one category
// per block or tensor kind, showing each group's share of its variant's squared error or
// its relative error. The figures come from buildLayerChart (layers_math.h).
#include "ui/layers_math.h"

#include <QWidget>

class QBarSeries;
class QChart;
class QChartView;
class QComboBox;

class LayersChartPanel : public QWidget {
    Q_OBJECT
public:
    explicit LayersChartPanel(QWidget* parent = nullptr);

    void setData(const LayersData& data);
    void setGrouping(LayerGrouping g);
    void setFigure(LayerFigure f);
    LayerGrouping grouping() const;
    LayerFigure figure() const;
    const LayerChart& chartData() const { return m_chart; }
    QChart* chart() const;

signals:
    void variantClicked(qint64 variantId);

private:
    void rebuild();
    void attachAxes(QBarSeries* series);

    QComboBox* m_groupingBox;
    QComboBox* m_figureBox;
    QChartView* m_view;
    LayersData m_data;
    LayerChart m_chart;
};
