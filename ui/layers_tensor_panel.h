#pragma once
// One tensor of one variant in detail: its error histogram, its weight distribution with
// the outlier bins in red, and the rows and columns that hold the outliers.
#include "ui/layers_histogram_widget.h"
#include "ui/layers_types.h"

#include <QWidget>

class QLabel;

class LayersTensorPanel : public QWidget {
    Q_OBJECT
public:
    explicit LayersTensorPanel(QWidget* parent = nullptr);

    void showAnalysis(const TensorAnalysisData& data);
    void showMessage(const QString& message);

    LayersHistogramWidget* errorHistogram() const { return m_error; }
    LayersHistogramWidget* weightHistogram() const { return m_weights; }
    QString summaryText() const;
    QString outlierText() const;

private:
    QLabel* m_summary;
    LayersHistogramWidget* m_error;
    LayersHistogramWidget* m_weights;
    QLabel* m_outliers;
};

// "row 7 (1 beyond 6σ, 1 beyond 3σ), row 5 (2 beyond 3σ)": for the outlier label.
QString channelList(const QString& noun, const QList<OutlierChannel>& channels);
