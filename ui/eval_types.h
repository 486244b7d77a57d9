#pragma once
// Value types of the Evaluate and Import Evaluation Set dialogs, handed over by
// EngineBridge (engine_bridge_eval.cpp): the workspace's evaluation set versions and the
// models and variants that can be scored on them. Copies only, no engine types.
#include <QList>
#include <QMetaType>
#include <QPair>
#include <QString>

struct EvalSetInfo {
    qint64 id = 0;
    QString name;
    qint64 version = 0;  // 1, 2, ... per name
    QString label;       // "NAME@vN:<content hash>", what scorecards record
    QString contentHash; // of the examples and the settings
    qint64 exampleCount = 0;
    qint64 nCtx = 0;         // window length in tokens
    QString scoring;         // "document" or "llama-perplexity"
    QString tokenizer;       // fingerprint the set is pinned to; empty: each model's own
    qint64 baselineTopK = 0; // 0: full baseline record; k: top-k and a tail bucket
    QList<QPair<QString, qint64>> slices; // slice name and its examples, first-seen order
    QString sourcePath, createdAt;

    QString spec() const; // "NAME@vN", what EngineBridge::evaluate takes
};

// A model file (its original weights) or a workspace variant that can be scored.
struct EvalTargetInfo {
    QString spec;         // what EngineBridge::evaluate takes: a file path or a variant id
    QString label;        // what the scorecard will call it: "stories260K", "int8#3"
    qint64 modelId = 0;   // 0: a model file the workspace does not know yet
    qint64 variantId = 0; // 0: the model's original weights
    QString modelPath;
    QString format; // the variant's format; empty for the original
    bool fileExists = true;

    bool isOriginal() const { return variantId == 0; }
    QString displayName() const; // "int8#3 — stories260K.gguf", "stories260K.gguf (original)"
};

struct EvalSetupData {
    QString workspace; // empty: none open
    QList<EvalSetInfo> sets;
    QList<EvalTargetInfo> targets; // originals first, then variants by id
};

// The options of quantlens-cli evalset import.
struct EvalSetImportOptions {
    QString name;      // empty: the file's stem
    QString separator; // empty: JSONL; else a line equal to it separates plain-text examples
    qint64 nCtx = 512;
    QString scoring = QStringLiteral("document");
    // 0: the baseline keeps llama-perplexity's full log-prob record; k: its k most
    // probable tokens and a tail bucket (EvalSettings::baselineTopK).
    qint64 baselineTopK = 0;
};

// The baseline an evaluation of `targets[variant]` starts with: the same model's original
// weights when its file exists, else the model's f16 variant, else the target itself
// (absolute scores, no deltas). -1 only when `variant` is out of range.
int defaultBaselineIndex(const QList<EvalTargetInfo>& targets, int variant);

Q_DECLARE_METATYPE(EvalSetupData)
Q_DECLARE_METATYPE(EvalSetInfo)
