#include "ui/workbench_context.h"

WorkbenchContext::WorkbenchContext(QObject* parent)
    : QObject(parent) {}

void WorkbenchContext::setModel(const ModelSummary& model) {
    // A new model invalidates what was selected in the old one.
    m_model = model;
    m_variants.clear();
    m_selectedVariant = 0;
    m_selectedTensor.clear();
    emit modelOpened(m_model);
    emit variantsChanged(m_variants);
}

void WorkbenchContext::setVariants(const VariantList& variants) {
    m_variants = variants;
    emit variantsChanged(m_variants);
}

void WorkbenchContext::selectVariant(qint64 variantId) {
    if (variantId == m_selectedVariant)
        return;
    m_selectedVariant = variantId;
    emit variantSelected(variantId);
}

void WorkbenchContext::selectTensor(const QString& name) {
    if (name == m_selectedTensor)
        return;
    m_selectedTensor = name;
    emit tensorSelected(name);
}

void WorkbenchContext::selectScorecard(qint64 id) {
    if (id == m_selectedScorecard)
        return;
    m_selectedScorecard = id;
    emit scorecardSelected(id);
}

void WorkbenchContext::setComparedVariants(const QStringList& variants) {
    if (variants == m_comparedVariants)
        return;
    m_comparedVariants = variants;
    emit comparedVariantsChanged(variants);
}
