#pragma once
// The one place panels learn what the user is looking at (RenderDoc's ICaptureContext
// habit). Panels connect to these signals and call the setters; they never call each
// other, so a panel can be added or removed without touching the rest.
#include "ui/bridge_types.h"

#include <QObject>
#include <QStringList>

class WorkbenchContext : public QObject {
    Q_OBJECT
public:
    explicit WorkbenchContext(QObject* parent = nullptr);

    const ModelSummary& model() const { return m_model; }
    const VariantList& variants() const { return m_variants; }
    qint64 selectedVariant() const { return m_selectedVariant; }
    const QString& selectedTensor() const { return m_selectedTensor; }

    void setModel(const ModelSummary& model);
    void setVariants(const VariantList& variants);
    void selectVariant(qint64 variantId);
    void selectTensor(const QString& name);

    // The scorecard the Compare view shows and the variants checked there: the heatmap,
    // the fit chart and any other view that compares variants follow these.
    qint64 selectedScorecard() const { return m_selectedScorecard; }
    const QStringList& comparedVariants() const { return m_comparedVariants; }
    void selectScorecard(qint64 id);
    void setComparedVariants(const QStringList& variants);

signals:
    void modelOpened(const ModelSummary& model);
    void variantsChanged(const VariantList& variants);
    void variantSelected(qint64 variantId);
    void tensorSelected(const QString& name);
    void scorecardSelected(qint64 id);
    void comparedVariantsChanged(const QStringList& variants);

private:
    ModelSummary m_model;
    VariantList m_variants;
    qint64 m_selectedVariant = 0;
    QString m_selectedTensor;
    qint64 m_selectedScorecard = 0;
    QStringList m_comparedVariants;
};
