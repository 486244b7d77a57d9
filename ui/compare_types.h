#pragma once
// Value types of the Compare view, handed over by EngineBridge (engine_bridge_compare.cpp):
// scorecards, their comparisons against the baseline with the gate's verdict per cell,
// and the model shape the VRAM-fit chart sizes variants with. Copies only, no engine types.
#include "ui/fit_chart_painter.h"
#include "ui/heatmap_painter.h"

#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

struct ScorecardInfo {
    qint64 id = 0;
    QString name;
    QString evaluator;
    QString evalSetVersion;
    QString baseline;
    QString sourcePath;
    QString importedAt;
    QStringList variants;
    QStringList dimensions;
    int slices = 0;
    int cells = 0;
};
using ScorecardInfoList = QList<ScorecardInfo>;

struct VariantGateVerdict {
    QString variant;
    CellVerdict verdict = CellVerdict::Pass; // Pass, Fail or Inconclusive
    int reasons = 0;
};

// One scorecard compared with its baseline under a gate policy, every dimension.
struct ComparisonData {
    ScorecardInfo card;
    QString policyName;            // "default" or the policy's "name"
    QString policySource;          // the policy file, or a description of the default
    int comparisons = 0;           // cell comparisons the gate made
    QList<HeatmapData> dimensions; // columns: every variant except the baseline
    QList<VariantGateVerdict> verdicts;

    bool isValid() const { return card.id != 0; }
    const HeatmapData* dimension(const QString& name) const;
};

// The heatmap of one dimension restricted to `variants` (in that order; unknown ones
// skipped). Slices that none of the chosen variants has are dropped.
HeatmapData heatmapFor(const ComparisonData& data, const QString& dimension,
                       const QStringList& variants);

// What the fit chart sizes variants with: an opened model's real tensors or a config.json.
struct FitShapeInfo {
    QString source; // the file it was read from
    QString name;   // "Meta-Llama-3.1-8B"
    qint64 parameters = 0;
    bool fromModelFile = false; // tensors as stored; "stored" is then a valid format

    bool isValid() const { return !source.isEmpty(); }
};

struct FitQuery {
    QStringList variants;
    QStringList formats; // one per variant: a fit format name ("q4_K"), "stored", or ""
    QList<bool> guessed; // one per variant: the format was guessed from the name
    qint64 context = 4096;
    qint64 batch = 1;
    QStringList gpus;             // catalog ids
    QString runtime = "llamacpp"; // llamacpp, vllm, trtllm
};

struct GpuInfo {
    QString id;
    QString name;
    quint64 bytes = 0;
};

// The fit format a variant's name most likely means ("q4km" -> "q4_K", "BF16 (Base 1)" ->
// "bf16", "AWQ 4-bit" -> "int4-g128"), or empty when the name does not say.
QString guessFitFormat(const QString& variant);

Q_DECLARE_METATYPE(ScorecardInfoList)
Q_DECLARE_METATYPE(ComparisonData)
Q_DECLARE_METATYPE(FitShapeInfo)
