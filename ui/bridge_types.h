#pragma once
// Plain value types that EngineBridge hands to the GUI. They hold copies, never
// pointers into engine objects, so panels may keep them as long as they like and the
// engine thread may free its own state at any time.
#include "ui/layer_aggregation.h"

#include <QList>
#include <QMetaType>
#include <QString>
#include <vector>

struct TensorRow {
    QString name;
    QList<qint64> shape; // outermost first
    QString dtype;       // "F32", "Q8_0", ...
    qint64 parameters = 0;
    quint64 bytes = 0;
};

// What a panel needs to describe an opened model. 0 means "the file does not say".
struct ModelSummary {
    QString path;
    QString format; // "gguf", "safetensors"
    QString architecture;
    QString name;
    qint64 layers = 0;
    qint64 heads = 0;
    qint64 kvHeads = 0;
    qint64 headDim = 0;
    qint64 embedding = 0;
    qint64 feedForward = 0;
    qint64 context = 0;
    qint64 vocab = 0;
    qint64 parameters = 0;
    quint64 fileBytes = 0;
    QList<TensorRow> tensors;

    bool isValid() const { return !path.isEmpty(); }
};

// One stored variant of the opened model with its per-tensor errors.
struct VariantErrors {
    qint64 id = 0;
    QString format; // "int8", "int4-g128"
    QString method; // "rtn"
    QString backend;
    QString imatrix;   // the importance matrix's file name ("" without one)
    QString weighedBy; // an importance matrix that only weighed its error ("" without one)
    QString createdAt;
    quint64 totalBytes = 0;
    qint64 totalWeights = 0;
    std::vector<TensorError> tensors;

    // "int8 #3": distinguishes two variants of the same format in a legend; one made with
    // an importance matrix says so ("q4_k+imatrix #4").
    QString label() const;
    double bitsPerWeight() const;
    const TensorError* findTensor(const QString& name) const; // null when not quantized
};

using VariantList = QList<VariantErrors>;

Q_DECLARE_METATYPE(ModelSummary)
Q_DECLARE_METATYPE(VariantList)
