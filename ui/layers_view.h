#pragma once
// The Layers view (issue 7): where each variant loses precision. Per-layer error across
// variants (by block or tensor kind), the sensitivity ranking and a sortable metrics
// table for the chosen variant, and one tensor's error histogram and weight distribution
// with its outlier channels. Self-contained: it follows the WorkbenchContext (variants,
// selected variant and tensor) and asks the EngineBridge for what it draws.
#include "ui/layers_types.h"

#include <QWidget>

class EngineBridge;
class LayersChartPanel;
class LayersRankingModel;
class LayersTableModel;
class LayersTensorPanel;
class QComboBox;
class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;
class WorkbenchContext;

class LayersView : public QWidget {
    Q_OBJECT
public:
    LayersView(WorkbenchContext* context, EngineBridge* bridge, QWidget* parent = nullptr);

    qint64 currentVariant() const;
    const LayersData& layers() const { return m_layers; }
    LayersChartPanel* chartPanel() const { return m_chart; }
    LayersTableModel* tableModel() const { return m_table; }
    QSortFilterProxyModel* tableProxy() const { return m_tableProxy; }
    QTableView* tableView() const { return m_tableView; }
    LayersRankingModel* rankingModel() const { return m_ranking; }
    LayersTensorPanel* tensorPanel() const { return m_tensor; }
    QPushButton* measureButton() const { return m_measure; }

    // Measures the shown variant's output-aware error on a text file as a tracked job;
    // when it ends the layers are read again and the chart shows the output error.
    // Returns the job id, 0 when there is nothing to measure.
    quint64 startCalibration(const QString& textPath, int nCtx, int chunks);

private:
    QWidget* buildTop();
    QWidget* buildBottom();
    void requestLayers();
    void askCalibration();
    void calibrationDone(qint64 variantId);
    QString summaryText(const VariantLayers* v) const;
    void setLayers(const LayersData& layers);
    void fillVariantBox();
    void showVariant();
    void showRanking();
    void requestTensor();
    void showTensor(const TensorAnalysisData& data);
    const VariantLayers* variant(qint64 id) const;

    WorkbenchContext* m_context;
    EngineBridge* m_bridge;
    LayersData m_layers;
    QComboBox* m_variantBox;
    QLabel* m_summary;
    QPushButton* m_measure;
    LayersChartPanel* m_chart;
    LayersRankingModel* m_ranking;
    QLabel* m_rankingTitle;
    QTableView* m_rankingView = nullptr;
    LayersTableModel* m_table;
    QSortFilterProxyModel* m_tableProxy;
    QTableView* m_tableView;
    LayersTensorPanel* m_tensor;
};
