#pragma once
// The Compare tab, the workbench's main view: a scorecard's per-slice regression heatmap
// (slices x variants, one dimension at a time) beside the VRAM-fit chart of the same
// variants. Which variants both show is one selection (the variant list's check boxes,
// broadcast through the WorkbenchContext).
#include "ui/compare_types.h"

#include <QWidget>

class CompareFitPanel;
class CompareVariantModel;
class EngineBridge;
class HeatmapWidget;
class QComboBox;
class QLabel;
class QPushButton;
class QStackedWidget;
class QTableView;
class WorkbenchContext;

class CompareView : public QWidget {
    Q_OBJECT
public:
    CompareView(WorkbenchContext* context, EngineBridge* bridge, QWidget* parent = nullptr);

    HeatmapWidget* heatmap() const { return m_heatmap; }
    CompareFitPanel* fitPanel() const { return m_fit; }
    CompareVariantModel* variantModel() const { return m_variants; }
    QComboBox* scorecardCombo() const { return m_scorecards; }
    QComboBox* dimensionCombo() const { return m_dimensions; }
    const ComparisonData& comparison() const { return m_comparison; }
    bool showsEmptyState() const;
    // The gate policy file the heatmap is judged by; empty: the built-in default.
    void setPolicyPath(const QString& path);

private:
    QWidget* buildToolbar();
    QWidget* buildContent();
    void onScorecards(const ScorecardInfoList& cards);
    void onComparison(const ComparisonData& data);
    void showScorecard(int index);
    void updateHeatmap();
    void choosePolicy();
    void updateVerdictSummary();
    QHash<QString, QString> rememberedFormats() const;
    void rememberFormat(const QString& variant, const QString& format);

    WorkbenchContext* m_context;
    EngineBridge* m_bridge;
    CompareVariantModel* m_variants;
    QStackedWidget* m_stack = nullptr;
    QLabel* m_empty = nullptr;
    QComboBox* m_scorecards = nullptr;
    QComboBox* m_dimensions = nullptr;
    QPushButton* m_policyButton = nullptr;
    QLabel* m_summary = nullptr;
    QTableView* m_variantView = nullptr;
    HeatmapWidget* m_heatmap = nullptr;
    CompareFitPanel* m_fit = nullptr;
    ScorecardInfoList m_cards;
    ComparisonData m_comparison;
    QString m_policyPath;
};
