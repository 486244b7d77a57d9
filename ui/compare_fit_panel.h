#pragma once
// The right half of the Compare view: the VRAM-fit chart and its controls (which model
// shape sizes the variants, which GPUs, which runtime, context and batch sliders that
// redraw it live). Choices are kept in QSettings.
#include <QStringList>
#include <QWidget>

class EngineBridge;
class FitChartWidget;
class QComboBox;
class QLabel;
class QSlider;
class QToolButton;
class CompareVariantModel;

class CompareFitPanel : public QWidget {
    Q_OBJECT
public:
    CompareFitPanel(EngineBridge* bridge, CompareVariantModel* variants, QWidget* parent = nullptr);

    FitChartWidget* chart() const { return m_chart; }
    QSlider* contextSlider() const { return m_context; }
    QSlider* batchSlider() const { return m_batch; }
    QComboBox* shapeCombo() const { return m_shape; }
    QStringList selectedGpus() const { return m_gpus; }
    void setSelectedGpus(const QStringList& ids);

    // The scorecard now shown (its name picks the remembered config) and the opened model.
    void setScorecardName(const QString& name);
    void setOpenedModel(const QString& path);
    // Recomputes the bars from the bridge's shape and the current controls.
    void refresh();

    // Slider positions are powers of two: 2^7 = 128 .. 2^17 = 131072 tokens, 1 .. 256.
    static qint64 contextForPosition(int position) { return qint64(1) << position; }

private:
    void buildControls();
    void rebuildShapeChoices();
    void chooseShape(int index);
    void loadShape(const QString& path);
    void rebuildGpuMenu();
    void updateLabels();

    EngineBridge* m_bridge;
    CompareVariantModel* m_variants;
    FitChartWidget* m_chart;
    QComboBox* m_shape = nullptr;
    QComboBox* m_runtime = nullptr;
    QToolButton* m_gpuButton = nullptr;
    QSlider* m_context = nullptr;
    QSlider* m_batch = nullptr;
    QLabel* m_contextLabel = nullptr;
    QLabel* m_batchLabel = nullptr;
    QLabel* m_shapeNote = nullptr;
    QStringList m_gpus;
    QString m_cardName;
    QString m_modelPath;
    QString m_loadedShape;
};

// Model configs in the data folder's model_configs (config.json files only).
QStringList dataFolderConfigs();
// The config whose file name names the scorecard's model ("Llama-3.1-8B" ->
// ".../meta-llama--Meta-Llama-3.1-8B_config.json"), or empty. Separators and case are
// ignored; the longest matching name wins, so 8B does not pick 70B.
QString configMatching(const QString& scorecardName, const QStringList& configs);
