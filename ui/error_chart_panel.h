#pragma once
// Per-layer error of every variant of the opened model, side by side: one bar set per
// variant, one category per layer. Reacts to WorkbenchContext::variantsChanged.
#include "ui/error_chart_data.h"

#include <QWidget>

class QBarSeries;
class QChart;
class QChartView;
class QCheckBox;
class QComboBox;
class WorkbenchContext;

class ErrorChartPanel : public QWidget {
    Q_OBJECT
public:
    explicit ErrorChartPanel(WorkbenchContext* context, QWidget* parent = nullptr);

    QChart* chart() const;
    QBarSeries* barSeries() const { return m_series; } // null while nothing is drawn
    const ErrorChartData& chartData() const { return m_data; }
    void setMetric(ErrorMetric metric);
    void setLogScale(bool on);

private:
    void rebuild();
    void showEmpty(const QString& message);
    void attachAxes();
    void showHoverTip(bool on, int index, const QString& setLabel, double value);

    WorkbenchContext* m_context;
    QComboBox* m_metricBox;
    QCheckBox* m_logBox;
    QChartView* m_view;
    QBarSeries* m_series = nullptr;
    ErrorChartData m_data;
};
