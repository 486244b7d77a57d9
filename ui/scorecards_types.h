#pragma once
// Value types of the Scorecards and Decision views, handed over by EngineBridge
// (engine_bridge_score.cpp): scorecards with every cell compared against the baseline,
// the last gate run on each, the stored gate policies and the decision history. Copies
// only, no engine types.
#include <QList>
#include <QMetaType>
#include <QPair>
#include <QString>
#include <QStringList>
#include <optional>

struct ScoreCellData {
    QString variant, dimension, slice;
    bool reportedAggregate = false; // an average the source printed: shown, never gated
    double score = 0;
    qint64 n = 0;          // 0: unknown
    bool compared = false; // false for the baseline's own cells
    double baseline = 0, delta = 0;
    std::optional<double> ciLow, ciHigh, pValue;
    QString method;
};

struct ScorecardData {
    qint64 id = 0;
    QString name, baseline, evaluator, evalSetVersion, sourcePath, sourceHash;
    QStringList variants; // baseline first
    QStringList dimensions, slices;
    QList<ScoreCellData> cells;
    double confidence = 0.95; // of the intervals: the last gate policy's, else 95 %

    const ScoreCellData* find(const QString& variant, const QString& dimension,
                              const QString& slice) const;
};

struct GateReasonData {
    QString severity; // "fail", "inconclusive"
    QString dimension, slice, message;
};

struct GateVerdictData {
    QString variant;
    QString verdict; // "pass", "fail", "inconclusive"
    QList<GateReasonData> reasons;
};

struct GateRunData {
    qint64 scorecardId = 0, policyId = 0;
    QString policyName, policyJson, createdAt;
    int comparisons = 0;
    QList<GateVerdictData> verdicts;

    // The reason the run gave for a cell, or null when the cell passed or was not gated.
    const GateReasonData* reason(const QString& variant, const QString& dimension,
                                 const QString& slice) const;
};

struct PolicyData {
    qint64 id = 0;
    QString name, json, createdAt;
};

using FlaggedList = QList<QPair<QString, QStringList>>; // variant, surfaces

struct DecisionData {
    qint64 id = 0;
    QString subject, defaultVariant;
    FlaggedList flagged;
    QString rationale, author, createdAt;
    QList<qint64> scorecards;
    qint64 gatePolicyId = 0, supersedes = 0, supersededBy = 0; // 0: none
};

struct DecisionInput {
    QString subject, defaultVariant;
    FlaggedList flagged;
    QString rationale, author;
    QList<qint64> scorecards;
};

struct ScoreViewData {
    QList<ScorecardData> scorecards;
    QList<GateRunData> gates; // the last run per gated scorecard
    QList<PolicyData> policies;
    QList<DecisionData> decisions; // oldest first

    const ScorecardData* scorecard(qint64 id) const;
    const GateRunData* gate(qint64 scorecardId) const;
};

// "q3ks: batch, offline; awq: internal"
QString flaggedText(const FlaggedList& flagged);
// A slice's row label; reported averages are marked as such.
QString sliceLabel(const ScoreCellData& cell);
// A scorecard's source as a clean file name ("results.json", not "../shared/.../results.json")
// and, for its tooltip, the full absolute path.
QString sourceFileName(const QString& sourcePath);
QString sourcePathTip(const QString& sourcePath);

Q_DECLARE_METATYPE(ScoreViewData)
Q_DECLARE_METATYPE(DecisionInput)
